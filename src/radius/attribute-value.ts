// Owns typed attribute values: octets ↔ JS values by data type (RFC 2865 §5, RFC 8044, RFC 6929 §2.8).
import {
  formatEther,
  formatIfid,
  formatIpv4,
  formatIpv6,
  parseEther,
  parseIfid,
  parseIpv4,
  parseIpv6,
} from './address-text.js';
import { RadiusCodecError, RadiusCodecErrorCode } from './codec-error.js';
import type { AttributeDefinition } from './dictionary.js';

/** A decoded value: text, integer, 64-bit integer, or octets (a view into the packet). */
export type AttributeValue = string | number | bigint | Uint8Array;

/** Why well-framed octets are not a valid value of their type: the attribute stays raw ("invalid"). */
export type ValueFailure = 'INVALID_LENGTH' | 'INVALID_UTF8' | 'INVALID_PREFIX' | 'INVALID_TLV';
export type DecodeValueResult = { ok: true; value: AttributeValue } | { ok: false; reason: ValueFailure };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const FIXED: Partial<Record<AttributeDefinition['dataType'], number>> = {
  ipaddr: 4,
  ipv6addr: 16,
  ipv4prefix: 6,
  integer: 4,
  date: 4,
  signed: 4,
  short: 2,
  byte: 1,
  integer64: 8,
  ifid: 8,
  ether: 6,
};

/**
 * Decodes a value by its definition. Never throws: wrong lengths, bad UTF-8 and bad prefixes are
 * reported so the caller keeps the attribute raw and never uses it as typed data (RFC 6929 §2.8).
 * Hidden (`encrypt`) attributes and containers (vsa, extended, long-extended) come back as octets.
 */
export function decodeAttributeValue(def: AttributeDefinition, bytes: Uint8Array): DecodeValueResult {
  // Hidden values are longer on the wire than in the clear (RFC 2865 §5.2 padding): no length rule here.
  if (def.encrypt !== undefined) return ok(bytes);
  const type = def.dataType;
  const fixed = def.length ?? FIXED[type];
  if (fixed !== undefined && bytes.length !== fixed) return bad('INVALID_LENGTH');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'string':
    case 'text':
      try {
        return ok(utf8.decode(bytes));
      } catch {
        return bad('INVALID_UTF8');
      }
    case 'ipaddr':
      return ok(formatIpv4(bytes));
    case 'ipv6addr':
      return ok(formatIpv6(bytes));
    case 'combo-ip':
      if (bytes.length === 4) return ok(formatIpv4(bytes));
      return bytes.length === 16 ? ok(formatIpv6(bytes)) : bad('INVALID_LENGTH');
    case 'ipv4prefix':
      // RFC 6572 §2.4: reserved, prefix length (0–32), four prefix octets.
      return bytes[1]! > 32 ? bad('INVALID_PREFIX') : ok(`${formatIpv4(bytes, 2)}/${bytes[1]}`);
    case 'ipv6prefix':
      return decodeIpv6Prefix(bytes);
    case 'integer':
    case 'date':
      return ok(view.getUint32(0));
    case 'signed':
      return ok(view.getInt32(0));
    case 'short':
      return ok(view.getUint16(0));
    case 'byte':
      return ok(bytes[0]!);
    case 'integer64':
      return ok(view.getBigUint64(0));
    case 'ifid':
      return ok(formatIfid(bytes));
    case 'ether':
      return ok(formatEther(bytes));
    case 'tlv':
      return tlvFramed(bytes) ? ok(bytes) : bad('INVALID_TLV');
    default:
      return ok(bytes);
  }
}

/** RFC 3162 §2.3: Reserved, Prefix-Length (≤ 128), then the prefix octets it needs (attribute length 4–20). */
function decodeIpv6Prefix(bytes: Uint8Array): DecodeValueResult {
  if (bytes.length < 2 || bytes.length > 18) return bad('INVALID_LENGTH');
  const prefixLength = bytes[1]!;
  if (prefixLength > 128 || prefixLength > (bytes.length - 2) * 8) return bad('INVALID_PREFIX');
  const address = new Uint8Array(16);
  address.set(bytes.subarray(2));
  return ok(`${formatIpv6(address)}/${prefixLength}`);
}

/** RFC 6929 §2.3: each TLV has a non-zero type and a length of at least 2 that stays inside the value. */
function tlvFramed(bytes: Uint8Array): boolean {
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 2 > bytes.length || bytes[pos] === 0) return false;
    const length = bytes[pos + 1]!;
    if (length < 2 || pos + length > bytes.length) return false;
    pos += length;
  }
  return true;
}

function ok(value: AttributeValue): DecodeValueResult {
  return { ok: true, value };
}

function bad(reason: ValueFailure): DecodeValueResult {
  return { ok: false, reason };
}

/** Why a configured value cannot be encoded as its attribute's type. */
export type EncodeValueFailure =
  | 'WRONG_VALUE_TYPE'
  | 'UNKNOWN_VALUE_NAME'
  | 'OUT_OF_RANGE'
  | 'INVALID_TEXT'
  | 'INVALID_LENGTH';
export type EncodeValueResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: EncodeValueFailure };

const RANGES = {
  integer: [0, 0xffffffff, 4],
  date: [0, 0xffffffff, 4],
  signed: [-0x80000000, 0x7fffffff, 4],
  short: [0, 0xffff, 2],
  byte: [0, 0xff, 1],
} as const;

/**
 * Encodes a value by its definition, returning a typed failure (for configuration checks).
 * Strings are accepted for named integer values, decimal integers, addresses and prefixes;
 * `0x…` hex for octets. A `Uint8Array` is taken as the wire form of any type (length still checked).
 */
export function tryEncodeAttributeValue(def: AttributeDefinition, value: AttributeValue): EncodeValueResult {
  const result = value instanceof Uint8Array ? done(value) : encodeByType(def, value);
  const fixed = def.encrypt === undefined ? (def.length ?? FIXED[def.dataType]) : undefined;
  if (result.ok && fixed !== undefined && result.bytes.length !== fixed) return fail('INVALID_LENGTH');
  return result;
}

/**
 * Encodes a value by its definition.
 * @throws RadiusCodecError `RADIUS_INVALID_VALUE` when the value does not fit the type (a programmer error)
 */
export function encodeAttributeValue(def: AttributeDefinition, value: AttributeValue): Uint8Array {
  const result = tryEncodeAttributeValue(def, value);
  if (result.ok) return result.bytes;
  throw new RadiusCodecError(
    RadiusCodecErrorCode.InvalidValue,
    `${def.name}: ${result.reason} for ${def.dataType}`,
  );
}

function encodeByType(def: AttributeDefinition, value: string | number | bigint): EncodeValueResult {
  const type = def.dataType;
  switch (type) {
    case 'string':
    case 'text':
      return typeof value === 'string' ? done(Buffer.from(value, 'utf8')) : fail('WRONG_VALUE_TYPE');
    case 'octets':
      if (typeof value !== 'string') return fail('WRONG_VALUE_TYPE');
      if (!value.startsWith('0x')) return done(Buffer.from(value, 'utf8'));
      return /^0x([0-9a-fA-F]{2})*$/.test(value)
        ? done(Buffer.from(value.slice(2), 'hex'))
        : fail('INVALID_TEXT');
    case 'ipaddr':
      return fromText(value, parseIpv4);
    case 'ipv6addr':
      return fromText(value, parseIpv6);
    case 'combo-ip':
      return fromText(value, (text) => parseIpv4(text) ?? parseIpv6(text));
    case 'ipv4prefix':
      return fromText(value, (text) => parsePrefix(text, parseIpv4, 32));
    case 'ipv6prefix':
      return fromText(value, (text) => parsePrefix(text, parseIpv6, 128));
    case 'ifid':
      return fromText(value, parseIfid);
    case 'ether':
      return fromText(value, parseEther);
    case 'integer64':
      return encodeInteger64(value);
    case 'integer':
    case 'date':
    case 'signed':
    case 'short':
    case 'byte':
      return encodeInteger(def, RANGES[type], value);
    default:
      // Containers, tlv and abinary take octets only.
      return fail('WRONG_VALUE_TYPE');
  }
}

function encodeInteger(
  def: AttributeDefinition,
  range: readonly [number, number, number],
  value: string | number | bigint,
): EncodeValueResult {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const named = def.values?.[value];
    if (named !== undefined) n = named;
    else if (/^-?\d+$/.test(value)) n = Number(value);
    else return fail('UNKNOWN_VALUE_NAME');
  } else return fail('WRONG_VALUE_TYPE');
  const [min, max, size] = range;
  if (!Number.isInteger(n) || n < min || n > max) return fail('OUT_OF_RANGE');
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (size === 4) view.setUint32(0, n >>> 0);
  else if (size === 2) view.setUint16(0, n);
  else out[0] = n;
  return done(out);
}

function encodeInteger64(value: string | number | bigint): EncodeValueResult {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = BigInt(value);
  else return fail('WRONG_VALUE_TYPE');
  if (n < 0n || n > 0xffffffffffffffffn) return fail('OUT_OF_RANGE');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return done(out);
}

function parsePrefix(text: string, parse: (t: string) => Uint8Array | undefined, max: number) {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const length = Number(text.slice(slash + 1));
  const address = parse(text.slice(0, slash));
  if (address === undefined || length > max) return undefined;
  // RFC 3162 §2.3 sends only the octets the prefix needs; RFC 6572 always sends four.
  const octets = max === 32 ? 4 : Math.ceil(length / 8);
  const out = new Uint8Array(2 + octets);
  out[1] = length;
  out.set(address.subarray(0, octets), 2);
  return out;
}

function fromText(
  value: string | number | bigint,
  parse: (text: string) => Uint8Array | undefined,
): EncodeValueResult {
  if (typeof value !== 'string') return fail('WRONG_VALUE_TYPE');
  const bytes = parse(value);
  return bytes === undefined ? fail('INVALID_TEXT') : done(bytes);
}

function done(bytes: Uint8Array): EncodeValueResult {
  return { ok: true, bytes };
}

function fail(reason: EncodeValueFailure): EncodeValueResult {
  return { ok: false, reason };
}
