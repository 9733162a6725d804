// Owns encoding of RADIUS packets: replies (MA first, then Response Authenticator) and requests.
import { AttributeType, MAX_ATTRIBUTE_VALUE_LENGTH, MESSAGE_AUTHENTICATOR_LENGTH } from './attribute-type.js';
import { randomAuthenticator } from './authenticator.js';
import { hasComputedRequestAuthenticator } from './code.js';
import { RadiusCodecError, RadiusCodecErrorCode } from './codec-error.js';
import { finishHmacMd5, hmacMd5Key, startHmacMd5, startMd5 } from './md5.js';
import { HEADER_LENGTH, MAX_PACKET_LENGTH } from './packet.js';
import { allocatePacket } from './packet-slab.js';

export { randomAuthenticator } from './authenticator.js';

/** An attribute to put on the wire as is: `value` is at most 253 octets. */
export interface EncodableAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface EncodeReplyArgs {
  readonly code: number;
  readonly identifier: number;
  readonly requestAuthenticator: Uint8Array;
  readonly secret: Uint8Array;
  readonly attributes: readonly EncodableAttribute[];
  /**
   * What the MA is computed over in the authenticator field: the request's authenticator (RFC 3579 §3.2, the
   * default) or zeros, for an Accounting-Response or CoA/Disconnect ACK/NAK answering a request whose own
   * authenticator is computed (RFC 5176 §3.5; FreeRADIUS verifies Accounting-Response this way).
   */
  readonly messageAuthenticatorBase?: 'request' | 'zero';
}

/**
 * Encodes a reply (Access-Accept/Reject/Challenge, Accounting-Response, CoA/Disconnect ACK/NAK, …).
 * The Message-Authenticator is always the first attribute, right after the header (DEP; BlastRADIUS).
 * RFC 3579 §3.2: the MA is computed first, over the packet holding the request's authenticator; then the
 * Response Authenticator, MD5(Code+ID+Length+RequestAuth+Attributes+Secret), over the packet with the MA.
 * @returns a new array holding exactly the packet
 * @throws RadiusCodecError for a Message-Authenticator in `attributes`, a value over 253 octets, a packet
 *   over 4096 octets, a bad code/identifier/type, or a request authenticator that is not 16 octets
 */
export function encodeReply(args: EncodeReplyArgs): Uint8Array {
  assertAuthenticator(args.requestAuthenticator);
  const packet = layout(args.code, args.identifier, args.attributes);
  const zeroBase = args.messageAuthenticatorBase === 'zero';
  if (!zeroBase) packet.set(args.requestAuthenticator, 4);
  // The packet already holds the MA base and a zero MA: hash it whole, in one call each.
  signMessageAuthenticator(packet, args.secret);
  if (zeroBase) packet.set(args.requestAuthenticator, 4);
  startMd5().update(packet).update(args.secret).digestInto(packet, 4);
  return packet;
}

export interface EncodeRequestArgs {
  readonly code: number;
  readonly identifier: number;
  readonly secret: Uint8Array;
  readonly attributes: readonly EncodableAttribute[];
  /** For Access-Request and Status-Server; random when absent. Must not be given for computed ones. */
  readonly authenticator?: Uint8Array;
  /** Put a Message-Authenticator first (always do, DEP; RFC 5997 §3 requires it for Status-Server). */
  readonly messageAuthenticator: boolean;
}

/**
 * Encodes a request. Accounting-Request, CoA-Request and Disconnect-Request get the computed Request
 * Authenticator of RFC 2866 §3 / RFC 5176 §3.5 (after their MA, which covers a zeroed authenticator).
 * A User-Password must already be hidden with the same `authenticator` (see `randomAuthenticator`).
 * @throws RadiusCodecError as `encodeReply`, and for an `authenticator` given for a computed code
 */
export function encodeRequest(args: EncodeRequestArgs): Uint8Array {
  const computed = hasComputedRequestAuthenticator(args.code);
  if (computed && args.authenticator !== undefined) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.InvalidAuthenticator,
      `the authenticator of code ${args.code} is computed by the encoder; do not pass one`,
    );
  }
  const authenticator = computed ? undefined : (args.authenticator ?? randomAuthenticator());
  if (authenticator !== undefined) assertAuthenticator(authenticator);
  const packet = layout(args.code, args.identifier, args.attributes, args.messageAuthenticator);
  if (authenticator !== undefined) packet.set(authenticator, 4);
  // Until the end the authenticator field holds what each hash must see (random, or 16 zero octets for the
  // computed codes, RFC 2866 §3 / RFC 5176 §3.5) and the MA value is zero, so each hashes the packet whole.
  if (args.messageAuthenticator) signMessageAuthenticator(packet, args.secret);
  if (computed) startMd5().update(packet).update(args.secret).digestInto(packet, 4);
  return packet;
}

/** HMAC-MD5 of the whole packet (MA value still zero) written into the first attribute's value. */
function signMessageAuthenticator(packet: Uint8Array, secret: Uint8Array): void {
  const key = hmacMd5Key(secret);
  startHmacMd5(key).update(packet);
  finishHmacMd5(key, packet, HEADER_LENGTH + 2);
}

/**
 * A Vendor-Specific attribute holding one sub-attribute (RFC 2865 §5.26 suggested format:
 * Vendor-Id (4 octets, high octet 0), Vendor-Type (1), Vendor-Length (1), value).
 * @throws RadiusCodecError when the value is over 247 octets or the ids are out of range
 */
export function vendorSpecific(vendorId: number, vendorType: number, value: Uint8Array): EncodableAttribute {
  if (!Number.isInteger(vendorId) || vendorId < 0 || vendorId > 0xffffff) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.InvalidField,
      `vendor id must be 0–16777215, got ${vendorId}`,
    );
  }
  assertOctet(vendorType, 'vendor type', 1);
  const max = MAX_ATTRIBUTE_VALUE_LENGTH - 6;
  if (value.length > max) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.ValueTooLong,
      `a vendor sub-attribute value holds at most ${max} octets, got ${value.length}`,
    );
  }
  const out = new Uint8Array(6 + value.length);
  out[1] = (vendorId >>> 16) & 0xff;
  out[2] = (vendorId >>> 8) & 0xff;
  out[3] = vendorId & 0xff;
  out[4] = vendorType;
  out[5] = 2 + value.length;
  out.set(value, 6);
  return { type: AttributeType.VendorSpecific, value: out };
}

/** Lays out header and attributes (MA placeholder first when asked); authenticator and MA left zero. */
function layout(code: number, identifier: number, attributes: readonly EncodableAttribute[], withMa = true) {
  assertOctet(code, 'code', 0);
  assertOctet(identifier, 'identifier', 0);
  let length = HEADER_LENGTH + (withMa ? MESSAGE_AUTHENTICATOR_LENGTH : 0);
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i]!;
    assertOctet(attribute.type, 'attribute type', 1);
    if (attribute.type === AttributeType.MessageAuthenticator) {
      throw new RadiusCodecError(
        RadiusCodecErrorCode.MessageAuthenticatorGiven,
        'Message-Authenticator is added by the encoder; do not pass one',
      );
    }
    if (attribute.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      throw new RadiusCodecError(
        RadiusCodecErrorCode.ValueTooLong,
        `attribute ${attribute.type} value holds at most 253 octets, got ${attribute.value.length}`,
      );
    }
    length += 2 + attribute.value.length;
  }
  if (length > MAX_PACKET_LENGTH) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.PacketTooLong,
      `a packet holds at most ${MAX_PACKET_LENGTH} octets, these attributes need ${length}`,
    );
  }
  const packet = allocatePacket(length);
  packet[0] = code;
  packet[1] = identifier;
  packet[2] = length >>> 8;
  packet[3] = length & 0xff;
  let pos = HEADER_LENGTH;
  if (withMa) {
    packet[pos] = AttributeType.MessageAuthenticator;
    packet[pos + 1] = MESSAGE_AUTHENTICATOR_LENGTH;
    pos += MESSAGE_AUTHENTICATOR_LENGTH;
  }
  for (let i = 0; i < attributes.length; i++) {
    const { type, value } = attributes[i]!;
    packet[pos] = type;
    packet[pos + 1] = 2 + value.length;
    packet.set(value, pos + 2);
    pos += 2 + value.length;
  }
  return packet;
}

function assertOctet(value: number, what: string, min: number): void {
  if (!Number.isInteger(value) || value < min || value > 255) {
    throw new RadiusCodecError(RadiusCodecErrorCode.InvalidField, `${what} must be ${min}–255, got ${value}`);
  }
}

function assertAuthenticator(authenticator: Uint8Array): void {
  if (authenticator.length !== 16) {
    throw new RadiusCodecError(
      RadiusCodecErrorCode.InvalidAuthenticator,
      `authenticator must be 16 octets, got ${authenticator.length}`,
    );
  }
}
