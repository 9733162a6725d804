// Straightforward reference computations (copy, zero, hash the whole buffer) to check the in-place ones against.
import { createHash, createHmac } from 'node:crypto';

/** HMAC-MD5 over a copy of the packet with the MA value zeroed and `authenticator` in the header. */
export function referenceMessageAuthenticator(
  packet: Uint8Array,
  maOffset: number,
  authenticator: Uint8Array,
  secret: Uint8Array,
): Uint8Array {
  const copy = Uint8Array.from(packet);
  copy.set(authenticator, 4);
  copy.fill(0, maOffset + 2, maOffset + 18);
  return createHmac('md5', secret).update(copy).digest();
}

/** MD5 over a copy of the packet with `authenticator` in the header, then the secret. */
export function referencePacketAuthenticator(
  packet: Uint8Array,
  authenticator: Uint8Array,
  secret: Uint8Array,
) {
  const copy = Uint8Array.from(packet);
  copy.set(authenticator, 4);
  return createHash('md5').update(copy).update(secret).digest();
}

/** Writes `value` into `packet` at `offset` and returns the packet. */
export function put(packet: Uint8Array, value: Uint8Array, offset: number): Uint8Array {
  packet.set(value, offset);
  return packet;
}
