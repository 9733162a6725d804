// Unit tests for RADIUS framing (RFC 2865 §3, §5; RFC 3579 §3.2; docs/security.md A1.2–A1.6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeFailure } from '../../src/radius/decode-failure.js';
import { countAttribute, decodePacket, findAttribute, type Packet } from '../../src/radius/packet.js';
import { expandTemplate, SAMPLE_AUTH } from './support/hex.js';

function decoded(template: string): Packet {
  const result = decodePacket(expandTemplate(template));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.packet;
}

describe('decodePacket', () => {
  it('reads the header fields and gives attribute values as views into the datagram', () => {
    const datagram = expandTemplate('01 2a <len> <auth> 01 05 62 6f 62 21 04 00 05');
    const result = decodePacket(datagram);
    assert.ok(result.ok);
    const { packet } = result;
    assert.equal(packet.code, 1);
    assert.equal(packet.identifier, 0x2a);
    assert.deepEqual(packet.authenticator, SAMPLE_AUTH);
    assert.equal(packet.bytes, datagram, 'no copy when the datagram is exactly Length octets');
    assert.deepEqual(
      packet.attributes.map((a) => [a.type, a.offset, Buffer.from(a.value).toString('hex')]),
      [
        [1, 20, '626f62'],
        [33, 25, '0005'],
      ],
    );
    assert.equal(packet.attributes[0]!.value.buffer, datagram.buffer, 'value is a view, not a copy');
    assert.equal(packet.messageAuthenticatorOffset, -1);
  });

  it('ignores octets past the Length field (RFC 2865 §3)', () => {
    const result = decodePacket(expandTemplate('01 00 00 17 <auth> 01 03 61 ff ff 00 00'));
    assert.ok(result.ok);
    assert.equal(result.packet.bytes.length, 23);
    assert.equal(result.packet.attributes.length, 1);
  });

  it('records where the single Message-Authenticator sits, wherever it is (docs/security.md A1.13)', () => {
    const packet = decoded('01 00 <len> <auth> 01 03 61 50 12 00*16 1f 03 62');
    assert.equal(packet.messageAuthenticatorOffset, 23);
  });

  it('accepts a packet of exactly 4096 octets and refuses 4097 (RFC 2865 §3)', () => {
    const full = `${new Array(15).fill('01 ff 61*253').join(' ')} 01 fb 61*249`;
    const exact = expandTemplate(`01 00 <len> <auth> ${full}`);
    assert.equal(exact.length, 4096);
    assert.equal(decodePacket(exact).ok, true);
    const over = new Uint8Array(4097);
    over.set(exact);
    assert.deepEqual(decodePacket(over), { ok: false, reason: DecodeFailure.TooLong });
  });

  it('applies the maxAttributes and maxLength options', () => {
    const datagram = expandTemplate('01 00 <len> <auth> [010361]*3');
    assert.deepEqual(decodePacket(datagram, { maxAttributes: 2 }), {
      ok: false,
      reason: DecodeFailure.TooManyAttributes,
    });
    assert.equal(decodePacket(datagram, { maxAttributes: 3 }).ok, true);
    assert.deepEqual(decodePacket(datagram, { maxLength: 28 }), { ok: false, reason: DecodeFailure.TooLong });
    // Length field 30 above a 29-octet maximum, in a 29-octet datagram: the Length rule speaks first.
    const claimed = expandTemplate('01 00 00 1e <auth> [010361]*3');
    assert.deepEqual(decodePacket(claimed, { maxLength: 29 }), { ok: false, reason: DecodeFailure.TooLong });
  });

  it('returns the same frozen failure object for a reason, allocating nothing per malformed datagram', () => {
    const a = decodePacket(new Uint8Array(3));
    const b = decodePacket(new Uint8Array(5));
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
  });
});

describe('findAttribute and countAttribute', () => {
  const packet = decoded('01 00 <len> <auth> 01 03 61 1f 03 62 01 03 63');

  it('findAttribute returns the first attribute of a type, in packet order', () => {
    assert.equal(Buffer.from(findAttribute(packet, 1)!.value).toString(), 'a');
    assert.equal(findAttribute(packet, 2), undefined);
  });

  it('countAttribute counts every attribute of a type (to refuse duplicates, docs/security.md A1.11)', () => {
    assert.equal(countAttribute(packet, 1), 2);
    assert.equal(countAttribute(packet, 31), 1);
    assert.equal(countAttribute(packet, 2), 0);
  });
});
