// Owns the typed view of a packet's attributes: VSAs, RFC 6929 extended attributes, and invalid ones kept raw.
import { AttributeType, MAX_ATTRIBUTE_VALUE_LENGTH } from './attribute-type.js';
import { type AttributeValue, decodeAttributeValue, type ValueFailure } from './attribute-value.js';
import type { AttributeDefinition, Dictionary } from './dictionary.js';
import type { Packet, RawAttribute } from './packet.js';

/** Why an attribute was kept raw instead of typed. Raw attributes must never be used as typed data. */
export type InvalidReason =
  | ValueFailure
  | 'UNKNOWN_ATTRIBUTE'
  | 'UNKNOWN_VENDOR'
  | 'INVALID_VSA'
  | 'INVALID_EXTENDED'
  | 'INVALID_CONTINUATION';

/** An attribute the dictionary knows whose contents are valid for its type. */
export interface ValidAttribute {
  readonly name: string;
  readonly definition: AttributeDefinition;
  readonly value: AttributeValue;
}

/** An unknown or invalid attribute (RFC 6929 §2.8): the packet is kept, this attribute is not used. */
export interface InvalidAttribute {
  readonly type: number;
  readonly vendorId?: number;
  readonly vendorType?: number;
  readonly extendedType?: number;
  readonly invalid: InvalidReason;
  readonly raw: Uint8Array;
}

export type DecodedAttribute = ValidAttribute | InvalidAttribute;

/** Narrows a decoded attribute to the invalid case. */
export function isInvalid(attribute: DecodedAttribute): attribute is InvalidAttribute {
  return 'invalid' in attribute;
}

/**
 * Decodes every attribute of a framed packet with a dictionary. Never throws and never reads past a value:
 * a broken VSA or extended attribute becomes one invalid entry and the rest of the packet is kept.
 * @returns attributes in packet order; a VSA yields one entry per sub-attribute, a long-extended chain one
 */
export function decodeAttributes(packet: Packet, dictionary: Dictionary): DecodedAttribute[] {
  const out: DecodedAttribute[] = [];
  const attributes = packet.attributes;
  for (let i = 0; i < attributes.length; i++) {
    const { type, value } = attributes[i]!;
    if (type === AttributeType.VendorSpecific) decodeVsa(value, dictionary, out);
    else if (type >= AttributeType.ExtendedType1 && type <= AttributeType.ExtendedType4) {
      // RFC 6929 §2.1: Extended-Type octet, then the value.
      if (value.length < 1) out.push({ type, invalid: 'INVALID_EXTENDED', raw: value });
      else
        typed(dictionary.byCode(type, undefined, value[0]), value.subarray(1), value, out, type, value[0]!);
    } else if (type >= AttributeType.LongExtendedType1 && type <= AttributeType.LongExtendedType2) {
      i = decodeLongExtended(attributes, i, dictionary, out);
    } else typed(dictionary.byCode(type), value, value, out, type);
  }
  return out;
}

function typed(
  def: AttributeDefinition | undefined,
  bytes: Uint8Array,
  raw: Uint8Array,
  out: DecodedAttribute[],
  type: number,
  extendedType?: number,
): void {
  if (def === undefined) {
    out.push(
      extendedType === undefined
        ? { type, invalid: 'UNKNOWN_ATTRIBUTE', raw }
        : { type, extendedType, invalid: 'UNKNOWN_ATTRIBUTE', raw },
    );
    return;
  }
  const result = decodeAttributeValue(def, bytes);
  if (result.ok) out.push({ name: def.name, definition: def, value: result.value });
  else if (extendedType === undefined) out.push({ type, invalid: result.reason, raw });
  else out.push({ type, extendedType, invalid: result.reason, raw });
}

/** RFC 2865 §5.26: Vendor-Id (high octet 0), then Vendor-Type / Vendor-Length sub-attributes filling it. */
function decodeVsa(value: Uint8Array, dictionary: Dictionary, out: DecodedAttribute[]): void {
  const type = AttributeType.VendorSpecific;
  if (value.length < 4 || value[0] !== 0) {
    out.push({ type, invalid: 'INVALID_VSA', raw: value });
    return;
  }
  const vendorId = (value[1]! << 16) | (value[2]! << 8) | value[3]!;
  // Only vendors we know use the suggested 1-octet type / 1-octet length format; others stay opaque.
  if (!dictionary.hasVendor(vendorId)) {
    out.push({ type, vendorId, invalid: 'UNKNOWN_VENDOR', raw: value });
    return;
  }
  if (!subAttributesFramed(value)) {
    out.push({ type, vendorId, invalid: 'INVALID_VSA', raw: value });
    return;
  }
  for (let pos = 4; pos < value.length; ) {
    const vendorType = value[pos]!;
    const end = pos + value[pos + 1]!;
    const bytes = value.subarray(pos + 2, end);
    const def = dictionary.byCode(vendorType, vendorId);
    const result = def === undefined ? undefined : decodeAttributeValue(def, bytes);
    if (def !== undefined && result?.ok) out.push({ name: def.name, definition: def, value: result.value });
    else
      out.push({
        type,
        vendorId,
        vendorType,
        invalid: result?.ok === false ? result.reason : 'UNKNOWN_ATTRIBUTE',
        raw: bytes,
      });
    pos = end;
  }
}

function subAttributesFramed(value: Uint8Array): boolean {
  if (value.length < 6) return false;
  let pos = 4;
  while (pos < value.length) {
    if (pos + 2 > value.length) return false;
    const length = value[pos + 1]!;
    if (length < 2 || pos + length > value.length) return false;
    pos += length;
  }
  return true;
}

/**
 * RFC 6929 §2.2: Extended-Type, then a flags octet whose top bit is "More"; a set More flag requires a full
 * attribute (Length 255) followed directly by another of the same Type and Extended-Type.
 * @returns the index of the last attribute consumed
 */
function decodeLongExtended(
  attributes: readonly RawAttribute[],
  start: number,
  dictionary: Dictionary,
  out: DecodedAttribute[],
): number {
  const { type, value } = attributes[start]!;
  if (value.length < 2) {
    out.push({ type, invalid: 'INVALID_EXTENDED', raw: value });
    return start;
  }
  const extendedType = value[0]!;
  let fragment = value;
  let i = start;
  const chunks: Uint8Array[] = [value.subarray(2)];
  while ((fragment[1]! & 0x80) !== 0) {
    if (fragment.length !== MAX_ATTRIBUTE_VALUE_LENGTH) {
      out.push({ type, extendedType, invalid: 'INVALID_EXTENDED', raw: value });
      return i;
    }
    const next = attributes[i + 1];
    if (next === undefined || next.type !== type || next.value.length < 2 || next.value[0] !== extendedType) {
      out.push({ type, extendedType, invalid: 'INVALID_CONTINUATION', raw: value });
      return i;
    }
    fragment = next.value;
    chunks.push(fragment.subarray(2));
    i++;
  }
  const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  typed(dictionary.byCode(type, undefined, extendedType), data, value, out, type, extendedType);
  return i;
}
