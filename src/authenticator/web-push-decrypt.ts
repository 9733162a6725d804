// Owns opening a push message as its receiver: RFC 8291 key derivation and one RFC 8188 aes128gcm record.
import { createDecipheriv, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { publicKeyFromRaw, rawPublicKey } from '../domain/push-protocol.js';

/** What a message is encrypted to (RFC 8291 §3): the receiver's P-256 ECDH key and its 16-octet auth secret. */
export interface PushReceiver {
  readonly privateKey: KeyObject;
  readonly auth: Uint8Array;
}

/** RFC 8188 §2.1: salt (16) ‖ rs (4) ‖ idlen (1) ‖ keyid (idlen), then the records. */
const SALT_LENGTH = 16;
const HEADER_LENGTH = SALT_LENGTH + 4 + 1;
/** RFC 8291 §4: the keyid is the sender's ephemeral public key, a 65-octet uncompressed P-256 point. */
const KEYID_LENGTH = 65;
const TAG_LENGTH = 16;
/** RFC 8188 §2: the padding delimiter of the last record (0x01 marks a record that is not the last). */
const LAST_RECORD = 0x02;

const text = (label: string) => new TextEncoder().encode(label);
const hkdf = (salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number) =>
  new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));

/**
 * The plaintext of an `aes128gcm` push message encrypted to `receiver`, or undefined for anything that is not
 * exactly one such message: a short or malformed header, a sender key off the curve, more than one record, a
 * failed GCM tag (the wrong key, or altered octets), or padding without the last-record delimiter. Never throws:
 * whatever arrives on a topic is untrusted input.
 */
export function decryptPushMessage(body: Uint8Array, receiver: PushReceiver): Uint8Array | undefined {
  if (body.length < HEADER_LENGTH + KEYID_LENGTH + TAG_LENGTH + 1 || receiver.auth.length !== 16)
    return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const salt = body.subarray(0, SALT_LENGTH);
  const recordSize = view.getUint32(SALT_LENGTH);
  if (body[HEADER_LENGTH - 1] !== KEYID_LENGTH) return undefined;
  const senderRaw = body.subarray(HEADER_LENGTH, HEADER_LENGTH + KEYID_LENGTH);
  const record = body.subarray(HEADER_LENGTH + KEYID_LENGTH);
  // RFC 8188 §2.1: rs is at least 18; RFC 8291 §4: a push message is a single record, so it fits in rs.
  if (recordSize < 18 || record.length > recordSize) return undefined;
  const senderKey = publicKeyFromRaw(senderRaw);
  if (senderKey === undefined) return undefined;

  // RFC 8291 §3.3, §3.4: IKM = HKDF(auth, ECDH secret, "WebPush: info" 0x00 ‖ ua_public ‖ as_public, 32).
  const secret = new Uint8Array(diffieHellman({ privateKey: receiver.privateKey, publicKey: senderKey }));
  const keyInfo = new Uint8Array([
    ...text('WebPush: info\0'),
    ...rawPublicKey(receiver.privateKey),
    ...senderRaw,
  ]);
  const ikm = hkdf(receiver.auth, secret, keyInfo, 32);
  // RFC 8188 §2.2, §2.3: the content key and the nonce; the first (and only) record's sequence number is 0.
  const key = hkdf(salt, ikm, text('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, text('Content-Encoding: nonce\0'), 12);

  let padded: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-gcm', key, nonce);
    decipher.setAuthTag(record.subarray(record.length - TAG_LENGTH));
    padded = Buffer.concat([
      decipher.update(record.subarray(0, record.length - TAG_LENGTH)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
  // RFC 8188 §2: data ‖ delimiter ‖ zero octets of padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== LAST_RECORD) return undefined;
  return new Uint8Array(padded.subarray(0, end));
}
