// A TOTP token as tests seed it: SHA-1, 6 digits, 30 s (what oathtool --totp computes by default).
import type { NewToken } from '../../src/domain/token.js';

export function totpToken(userName: string, secret: Uint8Array, serial = `T-${userName}`): NewToken {
  return { serial, userName, type: 'totp', secret, algorithm: 'SHA1', digits: 6, period: 30 };
}
