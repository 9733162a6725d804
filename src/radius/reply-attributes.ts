// Owns turning named reply attributes (from policy/config) into wire attributes: VSAs and RFC 6929 wrapping.
import { AttributeType, MAX_ATTRIBUTE_VALUE_LENGTH } from './attribute-type.js';
import { type AttributeValue, type EncodeValueFailure, tryEncodeAttributeValue } from './attribute-value.js';
import type { AttributeDefinition, Dictionary } from './dictionary.js';
import { type EncodableAttribute, vendorSpecific } from './encode.js';

/** A reply attribute by dictionary name, e.g. `{ name: 'Fortinet-Group-Name', value: 'vpn-admins' }`. */
export interface NamedAttribute {
  readonly name: string;
  readonly value: AttributeValue;
}

/** Why a named attribute cannot be put in a reply (a configuration error, found before any request). */
export type NamedAttributeFailure =
  | EncodeValueFailure
  | 'UNKNOWN_ATTRIBUTE'
  | 'NOT_ALLOWED'
  | 'VALUE_TOO_LONG';

export type EncodeNamedResult =
  | { ok: true; attributes: EncodableAttribute[] }
  | { ok: false; reason: NamedAttributeFailure; name: string; error: string };

/** RFC 2865 §5.26: 253 minus Vendor-Id (4), Vendor-Type (1) and Vendor-Length (1). */
const MAX_VSA_VALUE = MAX_ATTRIBUTE_VALUE_LENGTH - 6;
/** RFC 6929 §2.1: 253 minus the Extended-Type octet. */
const MAX_EXTENDED_VALUE = MAX_ATTRIBUTE_VALUE_LENGTH - 1;
/** RFC 6929 §2.2: 253 minus Extended-Type and flags: the data each long-extended fragment carries. */
const LONG_EXTENDED_CHUNK = MAX_ATTRIBUTE_VALUE_LENGTH - 2;

/**
 * Encodes named attributes for a reply, one wire attribute per value (one VSA per vendor value), in order.
 * Long-extended values are split into fragments with the More flag (RFC 6929 §2.2).
 * Message-Authenticator and hidden (`encrypt`) attributes are refused: the encoder adds the one, and the
 * others need per-request keys.
 * @returns the wire attributes, or the first failure with the attribute's name and a message for the log
 */
export function encodeNamedAttributes(
  dictionary: Dictionary,
  attributes: readonly NamedAttribute[],
): EncodeNamedResult {
  const out: EncodableAttribute[] = [];
  for (const { name, value } of attributes) {
    const def = dictionary.byName(name);
    if (def === undefined)
      return failure('UNKNOWN_ATTRIBUTE', name, `no attribute named ${name} in the dictionary`);
    const isMa = def.type === AttributeType.MessageAuthenticator && def.vendorId === undefined;
    if (isMa || def.encrypt !== undefined) {
      return failure('NOT_ALLOWED', name, `${def.name} cannot be set as a reply attribute`);
    }
    const encoded = tryEncodeAttributeValue(def, value);
    if (!encoded.ok)
      return failure(
        encoded.reason,
        name,
        `${def.name}: value is not a valid ${def.dataType} (${encoded.reason})`,
      );
    const error = wrap(def, encoded.bytes, out);
    if (error !== undefined) return failure('VALUE_TOO_LONG', name, `${def.name}: ${error}`);
  }
  return { ok: true, attributes: out };
}

/** Appends the wire form of one value; returns an error text when the value does not fit. */
function wrap(def: AttributeDefinition, bytes: Uint8Array, out: EncodableAttribute[]): string | undefined {
  if (def.vendorId !== undefined) {
    if (bytes.length > MAX_VSA_VALUE) return tooLong(MAX_VSA_VALUE, bytes.length);
    out.push(vendorSpecific(def.vendorId, def.type, bytes));
    return undefined;
  }
  const extendedType = def.extendedType;
  if (extendedType === undefined) {
    if (bytes.length > MAX_ATTRIBUTE_VALUE_LENGTH) return tooLong(MAX_ATTRIBUTE_VALUE_LENGTH, bytes.length);
    out.push({ type: def.type, value: bytes });
    return undefined;
  }
  if (def.type < AttributeType.LongExtendedType1) {
    if (bytes.length > MAX_EXTENDED_VALUE) return tooLong(MAX_EXTENDED_VALUE, bytes.length);
    out.push({ type: def.type, value: prefixed([extendedType], bytes) });
    return undefined;
  }
  let start = 0;
  do {
    const end = Math.min(start + LONG_EXTENDED_CHUNK, bytes.length);
    const more = end < bytes.length ? 0x80 : 0;
    out.push({ type: def.type, value: prefixed([extendedType, more], bytes.subarray(start, end)) });
    start = end;
  } while (start < bytes.length);
  return undefined;
}

function prefixed(head: readonly number[], bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

function tooLong(max: number, got: number): string {
  return `value holds at most ${max} octets, got ${got}; split it into several attributes`;
}

function failure(reason: NamedAttributeFailure, name: string, error: string): EncodeNamedResult {
  return { ok: false, reason, name, error };
}
