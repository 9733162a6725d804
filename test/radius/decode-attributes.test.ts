// Unit tests for typed attribute decoding: VSAs (RFC 2865 §5.26), RFC 6929 extended types, invalid-as-raw (§2.8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecodedAttribute, decodeAttributes, isInvalid } from '../../src/radius/decode-attributes.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { decodePacket } from '../../src/radius/packet.js';
import { expandTemplate, toHex } from './support/hex.js';

const dictionary = standardDictionary();
dictionary.add([
  { name: 'Test-Ext-Int', type: 241, extendedType: 1, dataType: 'integer' },
  { name: 'Test-Long-Text', type: 245, extendedType: 1, dataType: 'string' },
]);

function summarize(attributes: readonly DecodedAttribute[]): string[] {
  return attributes.map((a) => {
    if (!isInvalid(a)) return `${a.name}=${a.value instanceof Uint8Array ? toHex(a.value) : String(a.value)}`;
    const where = [a.type, a.vendorId, a.vendorType, a.extendedType].map((x) => x ?? '').join('/');
    return `${where}:${a.invalid}:${toHex(a.raw)}`;
  });
}

function decode(attributesTemplate: string): string[] {
  const result = decodePacket(expandTemplate(`01 00 <len> <auth> ${attributesTemplate}`));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return summarize(decodeAttributes(result.packet, dictionary));
}

describe('decodeAttributes: standard attributes', () => {
  it('types known attributes and keeps unknown ones raw', () => {
    assert.deepEqual(decode('01 05 62 6f 62 05 06 00 00 00 07 11 03 ff'), [
      'User-Name=bob',
      'NAS-Port=7',
      '17///:UNKNOWN_ATTRIBUTE:ff',
    ]);
  });

  it('keeps a well-framed attribute with bad contents raw and the packet whole (RFC 6929 §2.8)', () => {
    assert.deepEqual(decode('04 04 ab cd 01 03 61'), ['4///:INVALID_LENGTH:abcd', 'User-Name=a']);
  });
});

describe('decodeAttributes: Vendor-Specific (RFC 2865 §5.26)', () => {
  it('types each sub-attribute of a known vendor', () => {
    assert.deepEqual(decode('1a 11 00 00 30 44 01 05 76 70 6e 02 06 0a 00 00 01'), [
      'Fortinet-Group-Name=vpn',
      'Fortinet-Client-IP-Address=10.0.0.1',
    ]);
  });

  it('keeps an unknown vendor type raw, with vendor and type, and the VSA framing is still checked', () => {
    assert.deepEqual(decode('1a 09 00 00 30 44 63 03 78'), ['26/12356/99/:UNKNOWN_ATTRIBUTE:78']);
  });

  it('marks one sub-attribute with bad contents invalid and keeps its siblings', () => {
    assert.deepEqual(decode('1a 0f 00 00 30 44 02 04 0a 00 01 05 76 70 6e'), [
      '26/12356/2/:INVALID_LENGTH:0a00',
      'Fortinet-Group-Name=vpn',
    ]);
  });

  it('refuses the whole VSA when its framing is broken (docs/security.md B3 #43, #44)', () => {
    const bad = [
      ['1a 05 ab cd ef', '26///:INVALID_VSA:abcdef'],
      ['1a 06 01 00 30 44', '26///:INVALID_VSA:01003044'],
      ['1a 06 00 00 30 44', '26/12356//:INVALID_VSA:00003044'],
      ['1a 07 00 00 30 44 01', '26/12356//:INVALID_VSA:0000304401'],
      ['1a 08 00 00 30 44 01 01', '26/12356//:INVALID_VSA:000030440101'],
      ['1a 08 00 00 30 44 01 03', '26/12356//:INVALID_VSA:000030440103'],
    ];
    for (const [template, expected] of bad)
      assert.deepEqual(decode(`${template} 01 03 61`), [expected, 'User-Name=a'], template);
  });

  it('keeps VSAs of unknown vendors opaque, whatever their contents (docs/security.md B3 #45)', () => {
    assert.deepEqual(decode('1a 08 00 01 02 03 ff 00'), ['26/66051//:UNKNOWN_VENDOR:00010203ff00']);
  });
});

describe('decodeAttributes: RFC 6929 extended types', () => {
  it('types an Extended-Type attribute by parent type and Extended-Type (§2.1)', () => {
    assert.deepEqual(decode('f1 07 01 00 00 00 2a'), ['Test-Ext-Int=42']);
    assert.deepEqual(decode('f1 05 01 00 2a'), ['241///1:INVALID_LENGTH:01002a']);
    assert.deepEqual(decode('f2 04 09 01'), ['242///9:UNKNOWN_ATTRIBUTE:0901']);
    assert.deepEqual(decode('f1 02'), ['241///:INVALID_EXTENDED:']);
  });

  it('reassembles a Long Extended Type value across fragments with the More flag (§2.2)', () => {
    const text = `${'x'.repeat(251)}yz`;
    assert.deepEqual(decode(`f5 ff 01 80 78*251 f5 06 01 00 79 7a 01 03 61`), [
      `Test-Long-Text=${text}`,
      'User-Name=a',
    ]);
    assert.deepEqual(decode('f5 06 01 00 61 62'), ['Test-Long-Text=ab']);
    assert.deepEqual(decode('f5 04 01 00'), ['Test-Long-Text=']);
  });

  it('marks broken chains invalid without reading past the buffer (docs/security.md B3 #46)', () => {
    assert.deepEqual(decode('f5 03 01'), ['245///:INVALID_EXTENDED:01']);
    assert.deepEqual(decode('f5 06 01 80 61 62'), ['245///1:INVALID_EXTENDED:01806162']);
    const first = `01 80 ${'61 '.repeat(251)}`.replace(/ /g, '');
    assert.deepEqual(decode('f5 ff 01 80 61*251'), [`245///1:INVALID_CONTINUATION:${first}`]);
    assert.deepEqual(decode('f5 ff 01 80 61*251 f6 04 01 00'), [
      `245///1:INVALID_CONTINUATION:${first}`,
      '246///1:UNKNOWN_ATTRIBUTE:0100',
    ]);
    assert.deepEqual(decode('f5 ff 01 80 61*251 f5 02'), [
      `245///1:INVALID_CONTINUATION:${first}`,
      '245///:INVALID_EXTENDED:',
    ]);
    assert.deepEqual(decode('f5 ff 01 80 61*251 f5 06 01 80 61 62'), [`245///1:INVALID_EXTENDED:${first}`]);
  });
});
