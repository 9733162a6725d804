// Owns the attribute dictionary: names ↔ (type, vendor, extended type), data types and named values.
import { RadiusCodecError, RadiusCodecErrorCode } from './codec-error.js';
import { fortinet } from './dictionaries/fortinet.js';
import { microsoft } from './dictionaries/microsoft.js';
import { rfc2865 } from './dictionaries/rfc2865.js';
import { rfc2866 } from './dictionaries/rfc2866.js';
import { rfc2869 } from './dictionaries/rfc2869.js';
import { rfc3162 } from './dictionaries/rfc3162.js';
import { rfc3579 } from './dictionaries/rfc3579.js';
import { rfc5176 } from './dictionaries/rfc5176.js';
import { rfc6929 } from './dictionaries/rfc6929.js';

/** Data types, as FreeRADIUS dictionaries name them (RFC 8044 names in comments where they differ). */
export type DataType =
  | 'string' // RFC 8044 text as FreeRADIUS uses it: decoded as UTF-8
  | 'text'
  | 'octets' // RFC 8044 string
  | 'ipaddr' // ipv4addr
  | 'ipv4prefix'
  | 'ipv6addr'
  | 'ipv6prefix'
  | 'integer'
  | 'date' // time
  | 'integer64'
  | 'ifid'
  | 'byte'
  | 'short'
  | 'signed'
  | 'ether'
  | 'combo-ip'
  | 'abinary'
  | 'tlv'
  | 'vsa'
  | 'extended'
  | 'long-extended';

export interface AttributeDefinition {
  readonly name: string;
  /** The attribute type; for a VSA the vendor type; for RFC 6929 attributes the 241–246 parent type. */
  readonly type: number;
  readonly vendorId?: number;
  readonly dataType: DataType;
  /** Named integer values, e.g. `{ 'Login-User': 1 }`. */
  readonly values?: Readonly<Record<string, number>>;
  /** RFC 6929: the Extended-Type inside a 241–246 attribute. */
  readonly extendedType?: number;
  /** A fixed value length (FreeRADIUS `octets[N]`). */
  readonly length?: number;
  /** Hidden on the wire (FreeRADIUS `encrypt=N`; 1 = RFC 2865 §5.2): decoded as raw octets. */
  readonly encrypt?: number;
}

export interface VendorDefinition {
  readonly name: string;
  readonly id: number;
}

/** A `VALUE` line: a name for one integer value of an attribute defined anywhere in the dictionary. */
export interface ValueDefinition {
  readonly attribute: string;
  readonly name: string;
  readonly value: number;
}

/** One dictionary data file (an RFC or a vendor). */
export interface DictionarySource {
  readonly vendors: readonly VendorDefinition[];
  readonly attributes: readonly AttributeDefinition[];
  readonly values?: readonly ValueDefinition[];
}

function codeKey(type: number, vendorId = 0, extendedType = 0): number {
  return vendorId * 65536 + extendedType * 256 + type;
}

/** A mutable set of definitions; names are matched case-insensitively, as FreeRADIUS does. Later wins. */
export class Dictionary {
  readonly #byName = new Map<string, AttributeDefinition>();
  readonly #byCode = new Map<number, AttributeDefinition>();
  readonly #vendorIds = new Map<string, number>();
  readonly #vendorNames = new Map<number, string>();
  readonly #vendorsWithAttributes = new Set<number>();

  /** Adds or replaces attribute definitions. */
  add(defs: readonly AttributeDefinition[]): void {
    for (const def of defs) {
      this.#byName.set(def.name.toLowerCase(), def);
      this.#byCode.set(codeKey(def.type, def.vendorId, def.extendedType), def);
      if (def.vendorId !== undefined) this.#vendorsWithAttributes.add(def.vendorId);
    }
  }

  /** Adds or replaces vendors. */
  addVendors(vendors: readonly VendorDefinition[]): void {
    for (const vendor of vendors) {
      this.#vendorIds.set(vendor.name.toLowerCase(), vendor.id);
      this.#vendorNames.set(vendor.id, vendor.name);
    }
  }

  /**
   * Adds named values to attributes already in the dictionary.
   * @throws RadiusCodecError `RADIUS_UNKNOWN_ATTRIBUTE` when the attribute is not defined
   */
  addValues(values: readonly ValueDefinition[]): void {
    for (const { attribute, name, value } of values) {
      const def = this.byName(attribute);
      if (def === undefined) {
        throw new RadiusCodecError(
          RadiusCodecErrorCode.UnknownAttribute,
          `VALUE for unknown attribute ${attribute}`,
        );
      }
      this.add([{ ...def, values: { ...def.values, [name]: value } }]);
    }
  }

  /** Adds a whole data file: vendors, attributes, then values. */
  addSource(source: DictionarySource): void {
    this.addVendors(source.vendors);
    this.add(source.attributes);
    if (source.values !== undefined) this.addValues(source.values);
  }

  byName(name: string): AttributeDefinition | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  byCode(type: number, vendorId?: number, extendedType?: number): AttributeDefinition | undefined {
    return this.#byCode.get(codeKey(type, vendorId, extendedType));
  }

  vendorId(name: string): number | undefined {
    return this.#vendorIds.get(name.toLowerCase());
  }

  vendorName(id: number): string | undefined {
    return this.#vendorNames.get(id);
  }

  /** Whether the vendor is declared or has attributes here: only then are its VSAs read as sub-attributes. */
  hasVendor(id: number): boolean {
    return this.#vendorNames.has(id) || this.#vendorsWithAttributes.has(id);
  }

  /** The name of an integer value (e.g. 1 → `'Login-User'` for Service-Type), if the dictionary has one. */
  valueName(def: AttributeDefinition, value: number): string | undefined {
    const values = def.values;
    if (values === undefined) return undefined;
    for (const name in values) if (values[name] === value) return name;
    return undefined;
  }
}

/** The built-in data files, in load order. */
export const standardSources: readonly DictionarySource[] = [
  rfc2865,
  rfc2866,
  rfc2869,
  rfc3162,
  rfc3579,
  rfc5176,
  rfc6929,
  microsoft,
  fortinet,
];

/**
 * A new dictionary with RFC 2865, 2866, 2869, 3162, 3579, 5176 and 6929 attributes, and the Microsoft
 * (RFC 2548) and Fortinet vendor attributes. RFC 5997 (Status-Server) defines no attributes.
 */
export function standardDictionary(): Dictionary {
  const dictionary = new Dictionary();
  for (const source of standardSources) dictionary.addSource(source);
  return dictionary;
}
