// Owns the framing of one RADIUS datagram: header, attribute walk, and the limits of docs/security.md A1.2–A1.6.
import { AttributeType, MESSAGE_AUTHENTICATOR_LENGTH } from './attribute-type.js';
import { DecodeFailure } from './decode-failure.js';

/** RFC 2865 §3: Code, Identifier, Length and the 16-octet Authenticator. */
export const HEADER_LENGTH = 20;
/** RFC 2865 §3: the maximum packet length. */
export const MAX_PACKET_LENGTH = 4096;
/** FreeRADIUS `max_attributes` default. */
export const DEFAULT_MAX_ATTRIBUTES = 200;

/** One attribute as framed on the wire; `value` is a view into the datagram, never a copy. */
export interface RawAttribute {
  readonly type: number;
  readonly value: Uint8Array;
  /** Offset of the type octet within `packet.bytes`. */
  readonly offset: number;
}

/** A well-framed packet. Nothing in it is authenticated yet: check the Message-Authenticator next. */
export interface Packet {
  readonly code: number;
  readonly identifier: number;
  /** The 16 authenticator octets (a view). */
  readonly authenticator: Uint8Array;
  readonly attributes: readonly RawAttribute[];
  /** Exactly Length octets (a view); octets past Length are not part of the packet. */
  readonly bytes: Uint8Array;
  /** Offset of the Message-Authenticator's type octet within `bytes`, or -1 when there is none. */
  readonly messageAuthenticatorOffset: number;
}

export type DecodeResult = { ok: true; packet: Packet } | { ok: false; reason: DecodeFailure };

export interface DecodeOptions {
  /** Default 200. */
  readonly maxAttributes?: number;
  /** Default 4096. */
  readonly maxLength?: number;
}

/**
 * Frames a datagram as a RADIUS packet without trusting anything in it. Never throws, whatever the input.
 * All attributes are walked and counted before any per-attribute object is made.
 * Codes are not judged here: the listener decides which codes it serves (docs/security.md A1.3).
 * @param datagram - the octets received
 * @param options - limits; the defaults are RFC 2865's 4096 octets and FreeRADIUS's 200 attributes
 * @returns the packet, or the first framing rule it breaks
 */
export function decodePacket(datagram: Uint8Array, options?: DecodeOptions): DecodeResult {
  const maxLength = options?.maxLength ?? MAX_PACKET_LENGTH;
  const maxAttributes = options?.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  const received = datagram.length;
  // RFC 2865 §3: shorter than the minimum length → silently discarded.
  if (received < HEADER_LENGTH) return failure(DecodeFailure.TooShort);
  if (received > maxLength) return failure(DecodeFailure.TooLong);
  const length = (datagram[2]! << 8) | datagram[3]!;
  if (length < HEADER_LENGTH) return failure(DecodeFailure.LengthFieldTooSmall);
  if (length > maxLength) return failure(DecodeFailure.TooLong);
  // RFC 2865 §3: fewer octets than Length → discard; more → the rest is padding and is ignored.
  if (length > received) return failure(DecodeFailure.LengthFieldExceedsDatagram);

  // First pass: validate every attribute header and count, allocating nothing (docs/security.md A1.4, A1.5).
  let count = 0;
  let maOffset = -1;
  let pos = HEADER_LENGTH;
  while (pos < length) {
    const type = datagram[pos]!;
    // RFC 2865 §5: type 0 is not a valid attribute type.
    if (type === 0) return failure(DecodeFailure.AttributeTypeZero);
    if (pos + 2 > length) return failure(DecodeFailure.AttributeOverrun);
    const attributeLength = datagram[pos + 1]!;
    // RFC 2865 §5: Length counts type and length octets, so below 2 is malformed (and would never advance).
    if (attributeLength < 2) return failure(DecodeFailure.AttributeLengthInvalid);
    if (pos + attributeLength > length) return failure(DecodeFailure.AttributeOverrun);
    if (++count > maxAttributes) return failure(DecodeFailure.TooManyAttributes);
    if (type === AttributeType.MessageAuthenticator) {
      // RFC 3579 §3.2: exactly 18 octets, and at most one per packet.
      if (attributeLength !== MESSAGE_AUTHENTICATOR_LENGTH)
        return failure(DecodeFailure.MessageAuthenticatorLength);
      if (maOffset !== -1) return failure(DecodeFailure.MessageAuthenticatorDuplicated);
      maOffset = pos;
    }
    pos += attributeLength;
  }

  // Second pass: the count is known to be within limits, so allocate exactly once.
  // A plain Uint8Array view even when given a Buffer: Buffer's own subarray costs several times the built-in one,
  // and every attribute below is a view.
  const bytes =
    length === received && datagram.constructor === Uint8Array
      ? datagram
      : new Uint8Array(datagram.buffer, datagram.byteOffset, length);
  const attributes = new Array<RawAttribute>(count);
  pos = HEADER_LENGTH;
  for (let i = 0; i < count; i++) {
    const attributeLength = bytes[pos + 1]!;
    attributes[i] = { type: bytes[pos]!, value: bytes.subarray(pos + 2, pos + attributeLength), offset: pos };
    pos += attributeLength;
  }
  return {
    ok: true,
    packet: {
      code: bytes[0]!,
      identifier: bytes[1]!,
      authenticator: bytes.subarray(4, HEADER_LENGTH),
      attributes,
      bytes,
      messageAuthenticatorOffset: maOffset,
    },
  };
}

// One frozen result per reason: a flood of malformed datagrams allocates nothing on the drop path.
const failures = new Map<DecodeFailure, DecodeResult>(
  Object.values(DecodeFailure).map((reason) => [reason, Object.freeze({ ok: false, reason } as const)]),
);

function failure(reason: DecodeFailure): DecodeResult {
  return failures.get(reason)!;
}

/**
 * The first attribute of a type, in packet order.
 * @returns the attribute, or `undefined` when the packet has none
 */
export function findAttribute(packet: Packet, type: number): RawAttribute | undefined {
  const attributes = packet.attributes;
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i]!;
    if (attribute.type === type) return attribute;
  }
  return undefined;
}

/** How many attributes of a type the packet holds (to refuse duplicates rather than pick one). */
export function countAttribute(packet: Packet, type: number): number {
  let n = 0;
  const attributes = packet.attributes;
  for (let i = 0; i < attributes.length; i++) if (attributes[i]!.type === type) n++;
  return n;
}
