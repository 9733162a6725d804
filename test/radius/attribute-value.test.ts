// Unit tests for typed values (RFC 2865 §5, RFC 3162 §2, RFC 6572, RFC 8044; RFC 6929 §2.8 invalid contents).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeAttributeValue,
  encodeAttributeValue,
  tryEncodeAttributeValue,
} from '../../src/radius/attribute-value.js';
import { RadiusCodecErrorCode } from '../../src/radius/codec-error.js';
import type { AttributeDefinition, DataType } from '../../src/radius/dictionary.js';
import { fromHex, toHex } from './support/hex.js';

const def = (dataType: DataType, extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({
  name: `Test-${dataType}`,
  type: 200,
  dataType,
  ...extra,
});
const decode = (dataType: DataType, hex: string, extra?: Partial<AttributeDefinition>) =>
  decodeAttributeValue(def(dataType, extra), fromHex(hex));

describe('decodeAttributeValue', () => {
  it('decodes each fixed-size type from its exact length', () => {
    const cases: [DataType, string, unknown][] = [
      ['ipaddr', 'c0a80110', '192.168.1.16'],
      ['ipv6addr', '20010db8000000000000000000000001', '2001:db8::1'],
      ['ipv4prefix', '0018c0000200', '192.0.2.0/24'],
      ['integer', 'fffffffe', 0xfffffffe],
      ['date', '5f5e1000', 0x5f5e1000],
      ['signed', 'ffffffff', -1],
      ['short', '05dc', 1500],
      ['byte', '07', 7],
      ['integer64', 'ffffffffffffffff', 0xffffffffffffffffn],
      ['ifid', '0011223344556677', '0011:2233:4455:6677'],
      ['ether', '0a1b2c3d4e5f', '0a:1b:2c:3d:4e:5f'],
      ['combo-ip', '0a000001', '10.0.0.1'],
      ['combo-ip', '20010db8000000000000000000000001', '2001:db8::1'],
    ];
    for (const [type, hex, value] of cases)
      assert.deepEqual(decode(type, hex), { ok: true, value }, `${type} ${hex}`);
  });

  it('marks wrong lengths invalid instead of reading them (docs/security.md A1.9, B3 #38)', () => {
    for (const [type, hex] of [
      ['ipaddr', 'abcd'],
      ['integer', '000001'],
      ['integer', '0000000001'],
      ['ipv6addr', '00'],
      ['byte', ''],
      ['combo-ip', '000000'],
    ] as const) {
      assert.deepEqual(decode(type, hex), { ok: false, reason: 'INVALID_LENGTH' }, `${type} ${hex}`);
    }
    assert.deepEqual(decode('octets', '00'.repeat(49), { length: 50 }), {
      ok: false,
      reason: 'INVALID_LENGTH',
    });
  });

  it('decodes string and text as UTF-8, refusing bad UTF-8 (docs/security.md B3 #40)', () => {
    assert.deepEqual(decode('string', '6ec3a96d6f'), { ok: true, value: 'némo' });
    assert.deepEqual(decode('text', ''), { ok: true, value: '' });
    assert.deepEqual(
      decode('string', 'efbbbf61'),
      { ok: true, value: '\ufeffa' },
      'a BOM is kept, not dropped',
    );
    assert.deepEqual(decode('string', '61ff62'), { ok: false, reason: 'INVALID_UTF8' });
    assert.deepEqual(decode('text', 'c0af'), { ok: false, reason: 'INVALID_UTF8' });
  });

  it('gives octets, abinary, containers and hidden values back as views', () => {
    for (const type of ['octets', 'abinary', 'vsa', 'extended', 'long-extended'] as const) {
      const result = decode(type, '0102');
      assert.ok(result.ok && result.value instanceof Uint8Array && toHex(result.value) === '0102', type);
    }
    const hidden = decode('string', 'ff'.repeat(16), { encrypt: 1 });
    assert.ok(hidden.ok && hidden.value instanceof Uint8Array);
  });

  it('checks IPv6 prefixes (RFC 3162 §2.3) and IPv4 prefixes (RFC 6572)', () => {
    assert.deepEqual(decode('ipv6prefix', '004020010db8'), { ok: false, reason: 'INVALID_PREFIX' });
    assert.deepEqual(decode('ipv6prefix', '002020010db8'), { ok: true, value: '2001:db8::/32' });
    assert.deepEqual(decode('ipv6prefix', '0000'), { ok: true, value: '::/0' });
    assert.deepEqual(decode('ipv6prefix', `0081${'00'.repeat(16)}`), { ok: false, reason: 'INVALID_PREFIX' });
    assert.deepEqual(decode('ipv6prefix', '00'), { ok: false, reason: 'INVALID_LENGTH' });
    assert.deepEqual(decode('ipv6prefix', '00'.repeat(19)), { ok: false, reason: 'INVALID_LENGTH' });
    assert.deepEqual(decode('ipv4prefix', '0021c0000200'), { ok: false, reason: 'INVALID_PREFIX' });
  });

  it('checks TLV framing inside tlv values (RFC 6929 §2.3)', () => {
    assert.deepEqual(decode('tlv', '0103610202'), { ok: true, value: fromHex('0103610202') });
    for (const bad of ['01', '0003', '0101', '0105ab']) {
      assert.deepEqual(decode('tlv', bad), { ok: false, reason: 'INVALID_TLV' }, bad);
    }
  });
});

describe('tryEncodeAttributeValue and encodeAttributeValue', () => {
  const enc = (d: AttributeDefinition, value: Parameters<typeof tryEncodeAttributeValue>[1]) => {
    const result = tryEncodeAttributeValue(d, value);
    return result.ok ? toHex(result.bytes) : result.reason;
  };
  const service = def('integer', { values: { 'Login-User': 1, 'Framed-User': 2 } });

  it('encodes integers from numbers, decimal strings and value names', () => {
    assert.equal(enc(service, 2), '00000002');
    assert.equal(enc(service, 'Login-User'), '00000001');
    assert.equal(enc(service, '4294967295'), 'ffffffff');
    assert.equal(enc(def('signed'), -2), 'fffffffe');
    assert.equal(enc(def('short'), 1500), '05dc');
    assert.equal(enc(def('byte'), 255), 'ff');
    assert.equal(enc(def('date'), 0), '00000000');
  });

  it('refuses unknown names, out-of-range and wrongly typed integers', () => {
    assert.equal(enc(service, 'Nope'), 'UNKNOWN_VALUE_NAME');
    assert.equal(enc(service, -1), 'OUT_OF_RANGE');
    assert.equal(enc(service, 1.5), 'OUT_OF_RANGE');
    assert.equal(enc(def('byte'), 256), 'OUT_OF_RANGE');
    assert.equal(enc(service, 1n), 'WRONG_VALUE_TYPE');
  });

  it('encodes 64-bit integers from bigint, safe numbers and decimal strings', () => {
    const d = def('integer64');
    assert.equal(enc(d, 0xffffffffffffffffn), 'ffffffffffffffff');
    assert.equal(enc(d, 5), '0000000000000005');
    assert.equal(enc(d, '18446744073709551615'), 'ffffffffffffffff');
    assert.equal(enc(d, 2n ** 64n), 'OUT_OF_RANGE');
    assert.equal(enc(d, 'x'), 'WRONG_VALUE_TYPE');
  });

  it('encodes text as UTF-8 and octets from 0x hex or text', () => {
    assert.equal(enc(def('string'), 'né'), '6ec3a9');
    assert.equal(enc(def('text'), 5), 'WRONG_VALUE_TYPE');
    assert.equal(enc(def('octets'), '0xA0b1'), 'a0b1');
    assert.equal(enc(def('octets'), 'ab'), '6162');
    assert.equal(enc(def('octets'), '0xabc'), 'INVALID_TEXT');
    assert.equal(enc(def('octets'), 7), 'WRONG_VALUE_TYPE');
  });

  it('encodes addresses, prefixes, interface ids and MACs from text', () => {
    assert.equal(enc(def('ipaddr'), '10.0.0.1'), '0a000001');
    assert.equal(enc(def('ipaddr'), '10.0.0'), 'INVALID_TEXT');
    assert.equal(enc(def('ipaddr'), 5), 'WRONG_VALUE_TYPE');
    assert.equal(enc(def('ipv6addr'), '::1'), '00000000000000000000000000000001');
    assert.equal(enc(def('combo-ip'), '10.0.0.1'), '0a000001');
    assert.equal(enc(def('combo-ip'), '::2'), '00000000000000000000000000000002');
    assert.equal(enc(def('ipv6prefix'), '2001:db8::/32'), '002020010db8');
    assert.equal(enc(def('ipv6prefix'), '2001:db8::/129'), 'INVALID_TEXT');
    assert.equal(enc(def('ipv6prefix'), '2001:db8::'), 'INVALID_TEXT');
    assert.equal(enc(def('ipv4prefix'), '192.0.2.0/24'), '0018c0000200');
    assert.equal(enc(def('ifid'), '0:0:0:1'), '0000000000000001');
    assert.equal(enc(def('ether'), '00:11:22:33:44:55'), '001122334455');
  });

  it('takes a Uint8Array as the wire form of any type, still checking fixed lengths', () => {
    assert.equal(enc(def('ipaddr'), fromHex('0a000001')), '0a000001');
    assert.equal(enc(def('ipaddr'), fromHex('0a0000')), 'INVALID_LENGTH');
    assert.equal(enc(def('octets', { length: 2 }), '0x0102'), '0102');
    assert.equal(enc(def('octets', { length: 2 }), '0x01'), 'INVALID_LENGTH');
    assert.equal(enc(def('string', { encrypt: 1 }), fromHex('00'.repeat(16))), '00'.repeat(16));
    assert.equal(enc(def('tlv'), fromHex('010361')), '010361');
  });

  it('refuses text for tlv, abinary and container types', () => {
    for (const type of ['tlv', 'abinary', 'vsa', 'extended', 'long-extended'] as const) {
      assert.equal(enc(def(type), 'x'), 'WRONG_VALUE_TYPE', type);
    }
  });

  it('encodeAttributeValue returns the octets or throws a programmer error', () => {
    assert.equal(toHex(encodeAttributeValue(service, 'Framed-User')), '00000002');
    assert.throws(() => encodeAttributeValue(service, 'Nope'), { code: RadiusCodecErrorCode.InvalidValue });
  });

  it('round-trips what it decodes for every scalar type', () => {
    const samples: [DataType, string][] = [
      ['ipaddr', 'c0a80110'],
      ['ipv6addr', '20010db8000000000000000000000001'],
      ['ipv4prefix', '0018c0000200'],
      ['ipv6prefix', '002020010db8'],
      ['integer', 'fffffffe'],
      ['signed', 'ffffff00'],
      ['short', '05dc'],
      ['byte', '07'],
      ['integer64', '0102030405060708'],
      ['ifid', '0011223344556677'],
      ['ether', '0a1b2c3d4e5f'],
      ['string', '6e656d6f'],
    ];
    for (const [type, hex] of samples) {
      const decoded = decode(type, hex);
      assert.ok(decoded.ok);
      assert.equal(enc(def(type), decoded.value), hex, type);
    }
  });
});
