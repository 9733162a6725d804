// Owns User-Password hiding and recovery (RFC 2865 §5.2).
import { RadiusCodecError, RadiusCodecErrorCode } from './codec-error.js';
import { startMd5 } from './md5.js';

/** RFC 2865 §5.2: the password is at most 128 octets. */
export const MAX_PASSWORD_LENGTH = 128;
const BLOCK = 16;

const pad = new Uint8Array(BLOCK);

/** MD5(S + previous) into a shared scratch block: the caller uses it before the next call. */
function block(secret: Uint8Array, previous: Uint8Array): Uint8Array {
  startMd5().update(secret).update(previous).digestInto(pad);
  return pad;
}

/**
 * Hides a password for the User-Password attribute.
 * RFC 2865 §5.2: pad with NULs to a multiple of 16 (an empty password becomes one block of 16), then
 * c(i) = p(i) XOR MD5(S + c(i-1)), with c(0) = the Request Authenticator.
 * @param password - clear octets, 0–128
 * @param secret - the shared secret
 * @param authenticator - the 16-octet Request Authenticator of the packet that will carry it
 * @returns a new array of 16–128 octets
 * @throws RadiusCodecError `RADIUS_PASSWORD_TOO_LONG` above 128 octets, `RADIUS_INVALID_AUTHENTICATOR`
 */
export function hideUserPassword(
  password: Uint8Array,
  secret: Uint8Array,
  authenticator: Uint8Array,
): Uint8Array {
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.PasswordTooLong,
      `User-Password must be at most ${MAX_PASSWORD_LENGTH} octets, got ${password.length}`,
    );
  }
  assertAuthenticator(authenticator);
  const length = Math.max(BLOCK, Math.ceil(password.length / BLOCK) * BLOCK);
  const out = new Uint8Array(length);
  out.set(password);
  let previous = authenticator;
  for (let start = 0; start < length; start += BLOCK) {
    const b = block(secret, previous);
    for (let i = 0; i < BLOCK; i++) out[start + i]! ^= b[i]!;
    previous = out.subarray(start, start + BLOCK);
  }
  return out;
}

/**
 * Recovers a hidden User-Password and strips the trailing NUL padding.
 * @param hidden - the attribute value as received
 * @returns the clear octets (possibly empty), or `undefined` when the value is not 16–128 octets in
 *   multiples of 16 (RFC 2865 §5.2) or the authenticator is not 16 octets
 */
export function unhideUserPassword(
  hidden: Uint8Array,
  secret: Uint8Array,
  authenticator: Uint8Array,
): Uint8Array | undefined {
  const length = hidden.length;
  if (length < BLOCK || length > MAX_PASSWORD_LENGTH || length % BLOCK !== 0) return undefined;
  if (authenticator.length !== BLOCK) return undefined;
  const out = new Uint8Array(length);
  let previous = authenticator;
  for (let start = 0; start < length; start += BLOCK) {
    const b = block(secret, previous);
    for (let i = 0; i < BLOCK; i++) out[start + i] = hidden[start + i]! ^ b[i]!;
    previous = hidden.subarray(start, start + BLOCK);
  }
  let end = length;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}

function assertAuthenticator(authenticator: Uint8Array): void {
  if (authenticator.length !== BLOCK) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.InvalidAuthenticator,
      `authenticator must be 16 octets, got ${authenticator.length}`,
    );
  }
}
