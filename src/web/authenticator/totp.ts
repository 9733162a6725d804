// Owns the TOTP tokens the app holds: reading an otpauth:// key URI (Google Authenticator's Key Uri Format) and
// computing codes (RFC 6238 over RFC 4226) with WebCrypto HMAC, so the secret can live as a non-extractable key.
import { buffer } from './b64.js';
import type { WebKey } from './protocol.js';

export type TotpAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-512';

/** A parsed `otpauth://totp/…` URI; the secret is raw octets until it becomes a CryptoKey. */
export interface TotpKey {
  readonly issuer: string;
  readonly account: string;
  readonly secret: Uint8Array;
  readonly algorithm: TotpAlgorithm;
  readonly digits: 6 | 7 | 8;
  readonly period: number;
}

/** RFC 4648 §6 base32 (upper or lower case, padding and spaces ignored); undefined for anything else. */
export function decodeBase32(text: string): Uint8Array | undefined {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  if (!/^[A-Z2-7]+$/.test(clean)) return undefined;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    value = (value << 5) | 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** Why a URI was refused, in words for the user. */
export class OtpauthError extends Error {
  override readonly name = 'OtpauthError';
}

/**
 * Reads a TOTP key URI. Refuses HOTP (a counter the app would have to keep in step with the server), secrets under
 * 80 bits (RFC 4226 §4 R6 asks for at least 128; 80 is what old tokens have) and parameters outside RFC 6238's.
 * @throws {OtpauthError}
 */
export function parseOtpauth(uri: string): TotpKey {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new OtpauthError('this is not an otpauth:// link');
  }
  if (url.protocol !== 'otpauth:') throw new OtpauthError('this is not an otpauth:// link');
  // The WHATWG parser keeps "totp" as the host of a special-less scheme: otpauth://totp/Label → host "totp".
  const type = (url.host || url.pathname.replace(/^\/\//, '').split('/')[0] || '').toLowerCase();
  if (type !== 'totp') throw new OtpauthError('only time-based (TOTP) tokens can be added');
  const label = decodeURIComponent(url.pathname.replace(/^\/+/, '').replace(/^totp\//i, ''));
  const [first, second] = label.includes(':') ? label.split(/:(.*)/s) : ['', label];
  const issuer = url.searchParams.get('issuer') ?? first ?? '';
  const account = (second ?? '').trim();
  const secret = decodeBase32(url.searchParams.get('secret') ?? '');
  if (secret === undefined || secret.length < 10)
    throw new OtpauthError('the secret is missing or too short');
  const algorithmName = (url.searchParams.get('algorithm') ?? 'SHA1').toUpperCase();
  const algorithm = ({ SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' } as const)[
    algorithmName as 'SHA1' | 'SHA256' | 'SHA512'
  ];
  if (algorithm === undefined) throw new OtpauthError(`unknown algorithm ${algorithmName}`);
  const digits = Number(url.searchParams.get('digits') ?? '6');
  if (digits !== 6 && digits !== 7 && digits !== 8) throw new OtpauthError('codes must have 6 to 8 digits');
  const period = Number(url.searchParams.get('period') ?? '30');
  if (!Number.isInteger(period) || period < 1 || period > 300) throw new OtpauthError('bad period');
  return { issuer: issuer.trim(), account, secret, algorithm, digits, period };
}

/** The secret as an HMAC key that can sign but never be read back (SECURITY A10.1, like the device key). */
export function importTotpSecret(key: TotpKey): Promise<WebKey> {
  return crypto.subtle.importKey('raw', buffer(key.secret), { name: 'HMAC', hash: key.algorithm }, false, [
    'sign',
  ]);
}

/** RFC 4226 §5.3 HOTP(K, C) with dynamic truncation; RFC 6238 §4.2 takes C = floor(unix time / period). */
export async function totpCode(key: WebKey, digits: number, period: number, nowMs: number): Promise<string> {
  const counter = Math.floor(nowMs / 1000 / period);
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, buffer(message)));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** Seconds until the code of `period` changes, 1…period. */
export const secondsLeft = (period: number, nowMs: number) => period - (Math.floor(nowMs / 1000) % period);
