// Unit tests for reading FreeRADIUS-format dictionary files (site vendor dictionaries as data).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAttributes, isInvalid } from '../../src/radius/decode-attributes.js';
import { Dictionary, standardDictionary } from '../../src/radius/dictionary.js';
import { loadDictionaryFile, parseDictionaryFile } from '../../src/radius/dictionary-file.js';
import { decodePacket } from '../../src/radius/packet.js';
import { expandTemplate } from './support/hex.js';

/** A vendor file in the layout FreeRADIUS ships (tabs, comments, VALUE after ATTRIBUTE). */
const ACME = `# -*- text -*-
#	Acme's VSAs
VENDOR		Acme				32473

BEGIN-VENDOR	Acme
ATTRIBUTE	Acme-Group			1	string
ATTRIBUTE	Acme-Level			2	integer		# trailing comment
ATTRIBUTE	Acme-Token			3	octets[8]
ATTRIBUTE	Acme-Secret			4	string	encrypt=2
ATTRIBUTE	Acme-List			5	octets	concat,array
ATTRIBUTE	Acme-Addr6			0x06	ipv6addr
VALUE	Acme-Level			Low			1
VALUE	Acme-Level			High			0x0a
END-VENDOR	Acme

ATTRIBUTE	Acme-Ext			241.7	uint32
VALUE	Service-Type			Acme-Special		200
`;

describe('parseDictionaryFile', () => {
  it('reads vendors, vendor blocks, sized octets, flags, hex codes, RFC 6929 codes and values', () => {
    const parsed = parseDictionaryFile(ACME);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.vendors, [{ name: 'Acme', id: 32473 }]);
    assert.deepEqual(parsed.definitions, [
      { name: 'Acme-Group', type: 1, dataType: 'string', vendorId: 32473 },
      { name: 'Acme-Level', type: 2, dataType: 'integer', vendorId: 32473, values: { Low: 1, High: 10 } },
      { name: 'Acme-Token', type: 3, dataType: 'octets', vendorId: 32473, length: 8 },
      { name: 'Acme-Secret', type: 4, dataType: 'string', vendorId: 32473, encrypt: 2 },
      { name: 'Acme-List', type: 5, dataType: 'octets', vendorId: 32473 },
      { name: 'Acme-Addr6', type: 6, dataType: 'ipv6addr', vendorId: 32473 },
      { name: 'Acme-Ext', type: 241, dataType: 'integer', extendedType: 7 },
    ]);
    assert.deepEqual(parsed.values, [
      { attribute: 'Service-Type', name: 'Acme-Special', value: 200, line: 17 },
    ]);
  });

  it('accepts the old style with the vendor name as fifth field', () => {
    const parsed = parseDictionaryFile('VENDOR Old 77\nATTRIBUTE Old-Thing 1 string Old\n');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.definitions, [{ name: 'Old-Thing', type: 1, dataType: 'string', vendorId: 77 }]);
  });

  it('resolves vendor names through knownVendor, for files that extend a vendor defined elsewhere', () => {
    const parsed = parseDictionaryFile(
      'BEGIN-VENDOR Fortinet\nATTRIBUTE Fortinet-New 99 string\nEND-VENDOR Fortinet',
      {
        knownVendor: (name) => standardDictionary().vendorId(name),
      },
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.definitions[0]?.vendorId, 12356);
  });

  it('reports every bad line with its number and a typed reason', () => {
    const text = [
      'VENDOR Bad 1 format=2,1', // 1
      'VENDOR', // 2
      'VENDOR Big 99999999', // 3
      'BEGIN-VENDOR Nobody', // 4
      'END-VENDOR Nobody', // 5
      'ATTRIBUTE A 1 float', // 6
      'ATTRIBUTE B 300 string', // 7
      'ATTRIBUTE C 1.2.3 string', // 8
      'ATTRIBUTE D 1 string has_tag', // 9
      'ATTRIBUTE E', // 10
      'VALUE X Y', // 11
      '$INCLUDE other', // 12
      'ATTRIBUTE F 241.300 string', // 13
      'ATTRIBUTE G 1 octets[300]', // 14
      'VENDOR Good 5', // 15
      'BEGIN-VENDOR Good', // 16
      'BEGIN-VENDOR Good', // 17
      'BEGIN-VENDOR Good format=Extended-Vendor-Specific-1', // 18
    ].join('\n');
    const parsed = parseDictionaryFile(text);
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(
      parsed.failures.map((f) => [f.line, f.reason]),
      [
        [1, 'UNSUPPORTED_FORMAT'],
        [2, 'MISSING_FIELD'],
        [3, 'INVALID_NUMBER'],
        [4, 'UNKNOWN_VENDOR'],
        [5, 'VENDOR_BLOCK_MISMATCH'],
        [6, 'UNKNOWN_DATA_TYPE'],
        [7, 'INVALID_NUMBER'],
        [8, 'INVALID_CODE'],
        [9, 'UNSUPPORTED_FLAG'],
        [10, 'MISSING_FIELD'],
        [11, 'MISSING_FIELD'],
        [12, 'UNSUPPORTED_KEYWORD'],
        [13, 'INVALID_NUMBER'],
        [14, 'INVALID_NUMBER'],
        [17, 'VENDOR_BLOCK_MISMATCH'],
        [18, 'VENDOR_BLOCK_MISMATCH'],
        [16, 'UNCLOSED_VENDOR_BLOCK'],
      ],
    );
    assert.equal(
      parsed.errors[0],
      'line 1: UNSUPPORTED_FORMAT: vendor Bad: only format=1,1 is supported, got format=2,1',
    );
  });

  it('refuses a vendor format on BEGIN-VENDOR outside another block', () => {
    const parsed = parseDictionaryFile('VENDOR V 5\nBEGIN-VENDOR V format=Extended-Vendor-Specific-1\n');
    assert.ok(!parsed.ok && parsed.failures[0]?.reason === 'UNSUPPORTED_FORMAT');
  });
});

describe('loadDictionaryFile', () => {
  it('adds vendors, attributes and values to a dictionary, so its VSAs decode by name', () => {
    const dictionary = standardDictionary();
    const loaded = loadDictionaryFile(dictionary, ACME);
    assert.ok(loaded.ok);
    assert.equal(dictionary.byName('Service-Type')?.values?.['Acme-Special'], 200);
    assert.equal(dictionary.byName('Service-Type')?.values?.['Login-User'], 1);
    const packet = decodePacket(expandTemplate('01 00 <len> <auth> 1a 0c 00 00 7e d9 02 06 00 00 00 0a'));
    assert.ok(packet.ok);
    const [level] = decodeAttributes(packet.packet, dictionary);
    assert.ok(level && !isInvalid(level));
    assert.equal(level.name, 'Acme-Level');
    assert.equal(dictionary.valueName(level.definition, level.value as number), 'High');
  });

  it('extends a vendor the dictionary already knows (BEGIN-VENDOR Fortinet in a site file)', () => {
    const dictionary = standardDictionary();
    const loaded = loadDictionaryFile(
      dictionary,
      'BEGIN-VENDOR Fortinet\nATTRIBUTE Fortinet-Site 200 string\nEND-VENDOR Fortinet\n',
    );
    assert.ok(loaded.ok);
    assert.equal(dictionary.byCode(200, 12356)?.name, 'Fortinet-Site');
  });

  it('adds nothing when a VALUE names an attribute nobody defines', () => {
    const dictionary = new Dictionary();
    const loaded = loadDictionaryFile(dictionary, 'VENDOR V 5\nATTRIBUTE V-A 1 string V\nVALUE Nope X 1\n');
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.deepEqual(loaded.failures, [
      { line: 3, reason: 'UNKNOWN_ATTRIBUTE', detail: 'VALUE for unknown attribute Nope' },
    ]);
    assert.equal(dictionary.byName('V-A'), undefined);
  });

  it('passes parse failures through', () => {
    const loaded = loadDictionaryFile(new Dictionary(), 'BOGUS line');
    assert.ok(!loaded.ok && loaded.failures[0]?.reason === 'UNSUPPORTED_KEYWORD');
  });
});
