// Unit tests for named reply attributes → wire attributes (VSA wrapping, RFC 6929 fragments, typed failures).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAttributes, isInvalid } from '../../src/radius/decode-attributes.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { encodeReply } from '../../src/radius/encode.js';
import { decodePacket } from '../../src/radius/packet.js';
import { encodeNamedAttributes, type NamedAttribute } from '../../src/radius/reply-attributes.js';
import { toHex } from './support/hex.js';

const dictionary = standardDictionary();
dictionary.add([
  { name: 'Test-Ext-Text', type: 241, extendedType: 1, dataType: 'string' },
  { name: 'Test-Long-Text', type: 245, extendedType: 1, dataType: 'string' },
]);

function wire(attributes: readonly NamedAttribute[]): { type: number; hex: string }[] {
  const result = encodeNamedAttributes(dictionary, attributes);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.attributes.map((a) => ({ type: a.type, hex: toHex(a.value) }));
}

describe('encodeNamedAttributes', () => {
  it('encodes standard attributes by name, with value names and dotted addresses', () => {
    assert.deepEqual(
      wire([
        { name: 'Service-Type', value: 'Framed-User' },
        { name: 'Framed-IP-Address', value: '10.0.0.9' },
        { name: 'Class', value: Buffer.from('c1') },
        { name: 'Session-Timeout', value: 3600 },
      ]),
      [
        { type: 6, hex: '00000002' },
        { type: 8, hex: '0a000009' },
        { type: 25, hex: '6331' },
        { type: 27, hex: '00000e10' },
      ],
    );
  });

  it('wraps each vendor value in its own Vendor-Specific attribute, in order', () => {
    assert.deepEqual(
      wire([
        { name: 'Fortinet-Group-Name', value: 'admins' },
        { name: 'Fortinet-Group-Name', value: 'vpn' },
      ]),
      [
        { type: 26, hex: '000030440108' + '61646d696e73' },
        { type: 26, hex: '000030440105' + '76706e' },
      ],
    );
  });

  it('prefixes Extended-Type attributes and splits Long Extended values with the More flag (RFC 6929)', () => {
    assert.deepEqual(wire([{ name: 'Test-Ext-Text', value: 'hi' }]), [{ type: 241, hex: '016869' }]);
    const long = `${'a'.repeat(251)}b`;
    const fragments = wire([{ name: 'Test-Long-Text', value: long }]);
    assert.deepEqual(
      fragments.map((f) => [f.type, f.hex.slice(0, 4), f.hex.length / 2]),
      [
        [245, '0180', 253],
        [245, '0100', 3],
      ],
    );
    assert.deepEqual(wire([{ name: 'Test-Long-Text', value: '' }]), [{ type: 245, hex: '0100' }]);
  });

  it('round-trips through encodeReply, decodePacket and decodeAttributes', () => {
    const attributes: NamedAttribute[] = [
      { name: 'Fortinet-Group-Name', value: 'vpn-admins' },
      { name: 'Test-Long-Text', value: 'z'.repeat(600) },
      { name: 'Reply-Message', value: 'Welcome' },
    ];
    const encoded = encodeNamedAttributes(dictionary, attributes);
    assert.ok(encoded.ok);
    const reply = encodeReply({
      code: 2,
      identifier: 1,
      requestAuthenticator: new Uint8Array(16),
      secret: Buffer.from('s'),
      attributes: encoded.attributes,
    });
    const packet = decodePacket(reply);
    assert.ok(packet.ok);
    const decoded = decodeAttributes(packet.packet, dictionary).filter((a) => !isInvalid(a));
    assert.deepEqual(
      decoded.map((a) => (isInvalid(a) ? '' : [a.name, a.value])),
      [
        ['Message-Authenticator', packet.packet.attributes[0]!.value],
        ...attributes.map((a) => [a.name, a.value]),
      ],
    );
  });

  it('returns a typed failure, with the name and a log message, for configuration errors', () => {
    const cases: [NamedAttribute, string][] = [
      [{ name: 'No-Such-Attribute', value: 'x' }, 'UNKNOWN_ATTRIBUTE'],
      [{ name: 'Message-Authenticator', value: new Uint8Array(16) }, 'NOT_ALLOWED'],
      [{ name: 'User-Password', value: 'secret' }, 'NOT_ALLOWED'],
      [{ name: 'Service-Type', value: 'Bogus-User' }, 'UNKNOWN_VALUE_NAME'],
      [{ name: 'Framed-IP-Address', value: '10.0.0' }, 'INVALID_TEXT'],
      [{ name: 'Reply-Message', value: 'x'.repeat(254) }, 'VALUE_TOO_LONG'],
      [{ name: 'Fortinet-Group-Name', value: 'x'.repeat(248) }, 'VALUE_TOO_LONG'],
      [{ name: 'Test-Ext-Text', value: 'x'.repeat(253) }, 'VALUE_TOO_LONG'],
    ];
    for (const [attribute, reason] of cases) {
      const result = encodeNamedAttributes(dictionary, [{ name: 'Reply-Message', value: 'ok' }, attribute]);
      assert.equal(result.ok, false);
      if (result.ok) continue;
      assert.equal(result.reason, reason, attribute.name);
      assert.equal(result.name, attribute.name);
      assert.match(result.error, /\S/);
      assert.doesNotMatch(result.error, /secret/, 'the message never carries the value');
    }
  });

  it('accepts the longest values that fit', () => {
    assert.equal(wire([{ name: 'Reply-Message', value: 'x'.repeat(253) }])[0]!.hex.length, 506);
    assert.equal(wire([{ name: 'Fortinet-Group-Name', value: 'x'.repeat(247) }])[0]!.hex.length, 506);
    assert.equal(wire([{ name: 'Test-Ext-Text', value: 'x'.repeat(252) }])[0]!.hex.length, 506);
  });
});
