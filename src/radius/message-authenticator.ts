// Owns Message-Authenticator computation and verification (RFC 3579 §3.2, RFC 5176 §3.5).
import { timingSafeEqual } from 'node:crypto';
import { hasComputedRequestAuthenticator } from './code.js';
import { finishHmacMd5, hmacMd5Key, startHmacMd5 } from './md5.js';
import { HEADER_LENGTH, type Packet } from './packet.js';

const ZERO_16 = new Uint8Array(16);

/**
 * HMAC-MD5 keyed by the secret over the packet with the MA value taken as 16 zero octets and the
 * authenticator field replaced by `authenticator`. Hashes the packet in place, piece by piece: no copy.
 * @param bytes - the whole packet (exactly Length octets)
 * @param maOffset - offset of the MA attribute's type octet
 * @param authenticator - the 16 octets to hash in the authenticator field; `undefined` = the packet's own
 * @param secret - the shared secret
 */
export function computeMessageAuthenticator(
  bytes: Uint8Array,
  maOffset: number,
  authenticator: Uint8Array | undefined,
  secret: Uint8Array,
): Uint8Array {
  const valueStart = maOffset + 2;
  const key = hmacMd5Key(secret);
  const hmac = startHmacMd5(key);
  if (authenticator === undefined) hmac.update(bytes, 0, valueStart);
  else hmac.update(bytes, 0, 4).update(authenticator).update(bytes, HEADER_LENGTH, valueStart);
  hmac.updateFill(0, 16).update(bytes, valueStart + 16, bytes.length);
  const out = new Uint8Array(16);
  finishHmacMd5(key, out);
  return out;
}

/**
 * The authenticator a request's MA is computed over: zeros where the Request Authenticator is itself a
 * hash, else `undefined` (the packet's own).
 */
export function requestMessageAuthenticatorBase(code: number): Uint8Array | undefined {
  // RFC 5176 §3.5 (and FreeRADIUS for Accounting-Request): the MA is computed with a zeroed authenticator,
  // because the Request Authenticator is computed afterwards over the packet that contains the MA.
  return hasComputedRequestAuthenticator(code) ? ZERO_16 : undefined;
}

/**
 * Verifies the Message-Authenticator of a request, in constant time.
 * RFC 3579 §3.2: HMAC-MD5 over the packet with the MA zeroed, keyed by the shared secret.
 * @returns false when the packet has no MA or it does not match
 */
export function verifyRequestMessageAuthenticator(packet: Packet, secret: Uint8Array): boolean {
  const offset = packet.messageAuthenticatorOffset;
  if (offset < 0) return false;
  const base = requestMessageAuthenticatorBase(packet.code);
  const expected = computeMessageAuthenticator(packet.bytes, offset, base, secret);
  return timingSafeEqual(expected, packet.bytes.subarray(offset + 2, offset + 18));
}

/**
 * Verifies the Message-Authenticator of a reply, in constant time.
 * RFC 3579 §3.2: for replies the HMAC covers the packet with the *request's* authenticator in place.
 * @returns false when the reply has no MA, the request authenticator is not 16 octets, or it does not match
 */
export function verifyReplyMessageAuthenticator(
  reply: Packet,
  requestAuthenticator: Uint8Array,
  secret: Uint8Array,
): boolean {
  const offset = reply.messageAuthenticatorOffset;
  if (offset < 0 || requestAuthenticator.length !== 16) return false;
  const expected = computeMessageAuthenticator(reply.bytes, offset, requestAuthenticator, secret);
  return timingSafeEqual(expected, reply.bytes.subarray(offset + 2, offset + 18));
}
