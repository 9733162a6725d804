// Owns the Request and Response Authenticators (RFC 2865 §3, RFC 2866 §3, RFC 5176 §3.5).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { startMd5 } from './md5.js';
import { HEADER_LENGTH } from './packet.js';

const ZERO_16 = new Uint8Array(16);

/**
 * A fresh random Request Authenticator (RFC 2865 §3: unpredictable and unique over the secret's lifetime).
 * Pass the same one to `hideUserPassword` and `encodeRequest`.
 */
export function randomAuthenticator(): Uint8Array {
  return randomBytes(16);
}

/**
 * MD5(Code + Identifier + Length + authenticator + Attributes + Secret) over `bytes[0..length)`.
 * This is the Response Authenticator (with the request's authenticator) and the Accounting-Request
 * authenticator (with 16 zero octets).
 */
export function computePacketAuthenticator(
  bytes: Uint8Array,
  length: number,
  authenticator: Uint8Array,
  secret: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(16);
  startMd5()
    .update(bytes, 0, 4)
    .update(authenticator)
    .update(bytes, HEADER_LENGTH, length)
    .update(secret)
    .digestInto(out);
  return out;
}

/** The header Length of raw bytes when it is plausible (20 ≤ Length ≤ bytes), else -1. */
function framedLength(bytes: Uint8Array): number {
  if (bytes.length < HEADER_LENGTH) return -1;
  const length = (bytes[2]! << 8) | bytes[3]!;
  return length < HEADER_LENGTH || length > bytes.length ? -1 : length;
}

/**
 * Verifies a reply's Response Authenticator, in constant time.
 * RFC 2865 §3: MD5(Code + ID + Length + RequestAuth + Attributes + Secret).
 * @param reply - the reply octets (octets past its Length field are ignored)
 * @param requestAuthenticator - the 16-octet authenticator of the request it answers
 * @returns false for a mismatch or bytes that are not a framed packet
 */
export function verifyResponseAuthenticator(
  reply: Uint8Array,
  requestAuthenticator: Uint8Array,
  secret: Uint8Array,
): boolean {
  const length = framedLength(reply);
  if (length < 0 || requestAuthenticator.length !== 16) return false;
  const expected = computePacketAuthenticator(reply, length, requestAuthenticator, secret);
  return timingSafeEqual(expected, reply.subarray(4, HEADER_LENGTH));
}

/**
 * Verifies the Request Authenticator of an Accounting-Request (RFC 2866 §3), in constant time; the same
 * rule holds for CoA-Request and Disconnect-Request (RFC 5176 §3.5).
 * MD5(Code + ID + Length + 16 zero octets + Attributes + Secret).
 */
export function verifyAccountingRequestAuthenticator(request: Uint8Array, secret: Uint8Array): boolean {
  const length = framedLength(request);
  if (length < 0) return false;
  const expected = computePacketAuthenticator(request, length, ZERO_16, secret);
  return timingSafeEqual(expected, request.subarray(4, HEADER_LENGTH));
}
