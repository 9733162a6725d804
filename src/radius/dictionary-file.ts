// Owns parsing FreeRADIUS-format dictionary text into definitions, so sites can add vendor dictionaries as data.
import type {
  AttributeDefinition,
  DataType,
  Dictionary,
  ValueDefinition,
  VendorDefinition,
} from './dictionary.js';

/** Why a dictionary line was refused. */
export type DictionaryFileFailureReason =
  | 'UNSUPPORTED_KEYWORD'
  | 'MISSING_FIELD'
  | 'INVALID_NUMBER'
  | 'INVALID_CODE'
  | 'UNKNOWN_DATA_TYPE'
  | 'UNSUPPORTED_FLAG'
  | 'UNSUPPORTED_FORMAT'
  | 'UNKNOWN_VENDOR'
  | 'VENDOR_BLOCK_MISMATCH'
  | 'UNCLOSED_VENDOR_BLOCK'
  | 'UNKNOWN_ATTRIBUTE';

export interface DictionaryFileFailure {
  /** 1-based line number. */
  readonly line: number;
  readonly reason: DictionaryFileFailureReason;
  readonly detail: string;
}

/** A `VALUE` for an attribute the file does not define itself, with the line it came from. */
export interface ExternalValue extends ValueDefinition {
  readonly line: number;
}

export type ParseDictionaryResult =
  | {
      ok: true;
      vendors: VendorDefinition[];
      /** Attributes, with the named values the same file gives them folded in. */
      definitions: AttributeDefinition[];
      /** Values for attributes defined elsewhere (e.g. a new Service-Type value). */
      values: ExternalValue[];
    }
  | { ok: false; failures: DictionaryFileFailure[]; errors: string[] };

export interface ParseDictionaryOptions {
  /** Resolves vendor names the file uses but does not define (e.g. `Dictionary.prototype.vendorId`). */
  readonly knownVendor?: (name: string) => number | undefined;
}

const DATA_TYPES: Readonly<Record<string, DataType>> = {
  string: 'string',
  text: 'text',
  octets: 'octets',
  ipaddr: 'ipaddr',
  ipv4addr: 'ipaddr',
  ipv4prefix: 'ipv4prefix',
  ipv6addr: 'ipv6addr',
  ipv6prefix: 'ipv6prefix',
  integer: 'integer',
  uint32: 'integer',
  date: 'date',
  integer64: 'integer64',
  uint64: 'integer64',
  ifid: 'ifid',
  byte: 'byte',
  uint8: 'byte',
  short: 'short',
  uint16: 'short',
  signed: 'signed',
  int32: 'signed',
  ether: 'ether',
  ethernet: 'ether',
  'combo-ip': 'combo-ip',
  'combo-ipaddr': 'combo-ip',
  abinary: 'abinary',
  tlv: 'tlv',
  vsa: 'vsa',
  extended: 'extended',
  'long-extended': 'long-extended',
};
/** Flags that do not change how a value is read or written. */
const HARMLESS_FLAGS = new Set(['concat', 'array', 'virtual']);

class Failure {
  constructor(
    readonly reason: DictionaryFileFailureReason,
    readonly detail: string,
  ) {}
}

function number(text: string | undefined, what: string, min: number, max: number): number {
  if (text === undefined) throw new Failure('MISSING_FIELD', `${what} is missing`);
  const n = /^0x[0-9a-fA-F]+$/.test(text)
    ? Number.parseInt(text, 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (!(n >= min && n <= max))
    throw new Failure('INVALID_NUMBER', `${what} must be ${min}–${max}, got ${text}`);
  return n;
}

function field(fields: readonly string[], index: number, what: string): string {
  const value = fields[index];
  if (value === undefined) throw new Failure('MISSING_FIELD', `${what} is missing`);
  return value;
}

/**
 * Parses FreeRADIUS dictionary text: comments, `VENDOR`, `BEGIN-VENDOR`/`END-VENDOR`, `ATTRIBUTE`
 * (including `octets[N]`, `encrypt=N`, RFC 6929 `241.N` codes) and `VALUE`. Vendors must use the RFC 2865
 * §5.26 suggested format (`format=1,1`). Never throws: every bad line is reported with its number.
 */
export function parseDictionaryFile(
  text: string,
  options: ParseDictionaryOptions = {},
): ParseDictionaryResult {
  const vendors: VendorDefinition[] = [];
  const vendorIds = new Map<string, number>();
  const definitions: AttributeDefinition[] = [];
  const rawValues: ExternalValue[] = [];
  const failures: DictionaryFileFailure[] = [];
  let block: { name: string; id: number; line: number } | undefined;
  const lookupVendor = (name: string) => vendorIds.get(name.toLowerCase()) ?? options.knownVendor?.(name);

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const fields = lines[index]!.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    const keyword = fields[0];
    if (keyword === undefined) continue;
    try {
      switch (keyword) {
        case 'VENDOR': {
          const name = field(fields, 1, 'vendor name');
          const id = number(fields[2], 'vendor id', 1, 0xffffff);
          const format = fields[3];
          if (format !== undefined && format !== 'format=1,1') {
            throw new Failure(
              'UNSUPPORTED_FORMAT',
              `vendor ${name}: only format=1,1 is supported, got ${format}`,
            );
          }
          vendors.push({ name, id });
          vendorIds.set(name.toLowerCase(), id);
          break;
        }
        case 'BEGIN-VENDOR': {
          const name = field(fields, 1, 'vendor name');
          if (block !== undefined)
            throw new Failure('VENDOR_BLOCK_MISMATCH', `BEGIN-VENDOR ${name} inside ${block.name}`);
          if (fields[2] !== undefined)
            throw new Failure('UNSUPPORTED_FORMAT', `BEGIN-VENDOR ${name} ${fields[2]}`);
          const id = lookupVendor(name);
          if (id === undefined) throw new Failure('UNKNOWN_VENDOR', `vendor ${name} is not defined`);
          block = { name, id, line: index + 1 };
          break;
        }
        case 'END-VENDOR': {
          const name = field(fields, 1, 'vendor name');
          if (block === undefined || block.name.toLowerCase() !== name.toLowerCase()) {
            throw new Failure('VENDOR_BLOCK_MISMATCH', `END-VENDOR ${name} without BEGIN-VENDOR ${name}`);
          }
          block = undefined;
          break;
        }
        case 'ATTRIBUTE':
          definitions.push(attribute(fields, block?.id, lookupVendor));
          break;
        case 'VALUE':
          rawValues.push({
            attribute: field(fields, 1, 'attribute name'),
            name: field(fields, 2, 'value name'),
            value: number(fields[3], 'value', 0, 0xffffffff),
            line: index + 1,
          });
          break;
        default:
          throw new Failure('UNSUPPORTED_KEYWORD', `${keyword} is not supported`);
      }
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      failures.push({ line: index + 1, reason: error.reason, detail: error.detail });
    }
  }
  if (block !== undefined) {
    failures.push({
      line: block.line,
      reason: 'UNCLOSED_VENDOR_BLOCK',
      detail: `BEGIN-VENDOR ${block.name} is never ended`,
    });
  }
  if (failures.length > 0) return failed(failures);
  return { ok: true, vendors, ...foldValues(definitions, rawValues) };
}

function attribute(
  fields: readonly string[],
  blockVendor: number | undefined,
  lookupVendor: (name: string) => number | undefined,
): AttributeDefinition {
  const name = field(fields, 1, 'attribute name');
  const codeText = field(fields, 2, 'attribute code');
  const typeText = field(fields, 3, 'data type');
  const sized = /^octets\[(\d+)\]$/.exec(typeText);
  const dataType = sized ? 'octets' : DATA_TYPES[typeText];
  if (dataType === undefined)
    throw new Failure('UNKNOWN_DATA_TYPE', `${name}: unknown data type ${typeText}`);
  let vendorId = blockVendor;
  let encrypt: number | undefined;
  const extra = fields[4];
  if (extra !== undefined && vendorId === undefined && lookupVendor(extra) !== undefined)
    vendorId = lookupVendor(extra);
  else if (extra !== undefined) {
    for (const flag of extra.split(',')) {
      const match = /^encrypt=([123])$/.exec(flag);
      if (match) encrypt = Number(match[1]);
      else if (!HARMLESS_FLAGS.has(flag))
        throw new Failure('UNSUPPORTED_FLAG', `${name}: flag ${flag} is not supported`);
    }
  }
  const def: { -readonly [K in keyof AttributeDefinition]: AttributeDefinition[K] } = {
    name,
    type: 0,
    dataType,
  };
  const extended = /^(24[1-6])\.(\d+)$/.exec(codeText);
  if (extended && vendorId === undefined) {
    def.type = Number(extended[1]);
    def.extendedType = number(extended[2], `${name} extended type`, 1, 255);
  } else {
    if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(codeText))
      throw new Failure('INVALID_CODE', `${name}: code ${codeText} is not supported`);
    def.type = number(codeText, `${name} code`, 1, 255);
  }
  if (vendorId !== undefined) def.vendorId = vendorId;
  if (sized) def.length = number(sized[1], `${name} octets length`, 1, 253);
  if (encrypt !== undefined) def.encrypt = encrypt;
  return def;
}

/** Folds VALUE lines into the file's own attributes; the rest are for attributes defined elsewhere. */
function foldValues(definitions: AttributeDefinition[], rawValues: readonly ExternalValue[]) {
  const index = new Map(definitions.map((def, i) => [def.name.toLowerCase(), i]));
  const values: ExternalValue[] = [];
  for (const value of rawValues) {
    const i = index.get(value.attribute.toLowerCase());
    if (i === undefined) {
      values.push(value);
      continue;
    }
    const def = definitions[i]!;
    definitions[i] = { ...def, values: { ...def.values, [value.name]: value.value } };
  }
  return { definitions, values };
}

function failed(failures: DictionaryFileFailure[]): ParseDictionaryResult {
  return { ok: false, failures, errors: failures.map((f) => `line ${f.line}: ${f.reason}: ${f.detail}`) };
}

/**
 * Parses dictionary text and adds it to a dictionary: vendors, attributes, then values (which may name
 * attributes the dictionary already holds). Nothing is added unless the whole file is good.
 */
export function loadDictionaryFile(dictionary: Dictionary, text: string): ParseDictionaryResult {
  const parsed = parseDictionaryFile(text, { knownVendor: (name) => dictionary.vendorId(name) });
  if (!parsed.ok) return parsed;
  const unknown = parsed.values.filter((v) => dictionary.byName(v.attribute) === undefined);
  if (unknown.length > 0) {
    return failed(
      unknown.map((v) => ({
        line: v.line,
        reason: 'UNKNOWN_ATTRIBUTE',
        detail: `VALUE for unknown attribute ${v.attribute}`,
      })),
    );
  }
  dictionary.addVendors(parsed.vendors);
  dictionary.add(parsed.definitions);
  dictionary.addValues(parsed.values);
  return parsed;
}
