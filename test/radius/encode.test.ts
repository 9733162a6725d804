// Unit tests for the encoder: reply layout (MA first, docs/security.md A2.1), requests, VSAs, programmer errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { RadiusCodecErrorCode } from '../../src/radius/codec-error.js';
import { encodeReply, encodeRequest, vendorSpecific } from '../../src/radius/encode.js';
import { toHex } from './support/hex.js';
import { referenceMessageAuthenticator, referencePacketAuthenticator } from './support/reference.js';

const secret = Buffer.from('s3cret');
const requestAuthenticator = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const text = (s: string) => Buffer.from(s);

describe('encodeReply', () => {
  const wire = encodeReply({
    code: 2,
    identifier: 77,
    requestAuthenticator,
    secret,
    attributes: [{ type: AttributeType.ReplyMessage, value: text('hi') }],
  });

  it('writes the header and puts Message-Authenticator first, right after it (docs/security.md A2.1)', () => {
    assert.equal(wire.length, 20 + 18 + 4);
    assert.deepEqual([...wire.subarray(0, 4)], [2, 77, 0, 42]);
    assert.deepEqual([...wire.subarray(20, 22)], [80, 18]);
    assert.equal(toHex(wire.subarray(38)), '12046869');
  });

  it('computes the MA over the packet with the request authenticator, then the Response Authenticator', () => {
    const ma = referenceMessageAuthenticator(wire, 20, requestAuthenticator, secret);
    assert.deepEqual(wire.subarray(22, 38), new Uint8Array(ma));
    const response = referencePacketAuthenticator(wire, requestAuthenticator, secret);
    assert.deepEqual(wire.subarray(4, 20), new Uint8Array(response));
  });

  it('gives Accounting-Response an MA too', () => {
    const reply = encodeReply({ code: 5, identifier: 1, requestAuthenticator, secret, attributes: [] });
    assert.equal(reply.length, 38);
    assert.equal(reply[20], 80);
  });

  it('throws a programmer error when the caller passes a Message-Authenticator', () => {
    assert.throws(
      () =>
        encodeReply({
          code: 2,
          identifier: 1,
          requestAuthenticator,
          secret,
          attributes: [{ type: 80, value: new Uint8Array(16) }],
        }),
      { code: RadiusCodecErrorCode.MessageAuthenticatorGiven },
    );
  });

  it('throws for values over 253 octets, packets over 4096, bad fields and a bad request authenticator', () => {
    const base = { code: 2, identifier: 1, requestAuthenticator, secret };
    const big = { type: 18, value: new Uint8Array(253) };
    assert.equal(encodeReply({ ...base, attributes: [big] }).length, 20 + 18 + 255);
    assert.throws(() => encodeReply({ ...base, attributes: [{ type: 18, value: new Uint8Array(254) }] }), {
      code: RadiusCodecErrorCode.ValueTooLong,
    });
    assert.throws(() => encodeReply({ ...base, attributes: new Array(16).fill(big) }), {
      code: RadiusCodecErrorCode.PacketTooLong,
    });
    assert.throws(() => encodeReply({ ...base, code: 256, attributes: [] }), {
      code: RadiusCodecErrorCode.InvalidField,
    });
    assert.throws(() => encodeReply({ ...base, identifier: -1, attributes: [] }), {
      code: RadiusCodecErrorCode.InvalidField,
    });
    assert.throws(() => encodeReply({ ...base, identifier: 1.5, attributes: [] }), {
      code: RadiusCodecErrorCode.InvalidField,
    });
    assert.throws(() => encodeReply({ ...base, attributes: [{ type: 0, value: new Uint8Array(0) }] }), {
      code: RadiusCodecErrorCode.InvalidField,
    });
    assert.throws(() => encodeReply({ ...base, requestAuthenticator: new Uint8Array(15), attributes: [] }), {
      code: RadiusCodecErrorCode.InvalidAuthenticator,
    });
  });
});

describe('encodeRequest', () => {
  it('uses the given authenticator for an Access-Request and puts the MA first when asked', () => {
    const wire = encodeRequest({
      code: 1,
      identifier: 5,
      secret,
      authenticator: requestAuthenticator,
      messageAuthenticator: true,
      attributes: [{ type: 1, value: text('bob') }],
    });
    assert.deepEqual(wire.subarray(4, 20), requestAuthenticator);
    assert.equal(wire[20], 80);
    assert.deepEqual(
      wire.subarray(22, 38),
      new Uint8Array(referenceMessageAuthenticator(wire, 20, requestAuthenticator, secret)),
    );
  });

  it('draws a random authenticator when none is given, and adds no MA when not asked', () => {
    const a = encodeRequest({ code: 12, identifier: 1, secret, messageAuthenticator: false, attributes: [] });
    const b = encodeRequest({ code: 12, identifier: 1, secret, messageAuthenticator: false, attributes: [] });
    assert.equal(a.length, 20);
    assert.notDeepEqual(a.subarray(4, 20), b.subarray(4, 20));
  });

  it('computes the Accounting-Request authenticator after an MA over a zeroed authenticator (RFC 2866 §3)', () => {
    const wire = encodeRequest({
      code: 4,
      identifier: 2,
      secret,
      messageAuthenticator: true,
      attributes: [],
    });
    const zero = new Uint8Array(16);
    assert.deepEqual(
      wire.subarray(22, 38),
      new Uint8Array(referenceMessageAuthenticator(wire, 20, zero, secret)),
    );
    assert.deepEqual(wire.subarray(4, 20), new Uint8Array(referencePacketAuthenticator(wire, zero, secret)));
  });

  it('refuses an authenticator for codes whose authenticator it computes, and one not 16 octets long', () => {
    assert.throws(
      () =>
        encodeRequest({
          code: 43,
          identifier: 1,
          secret,
          authenticator: requestAuthenticator,
          messageAuthenticator: true,
          attributes: [],
        }),
      { code: RadiusCodecErrorCode.InvalidAuthenticator },
    );
    assert.throws(
      () =>
        encodeRequest({
          code: 1,
          identifier: 1,
          secret,
          authenticator: new Uint8Array(8),
          messageAuthenticator: true,
          attributes: [],
        }),
      { code: RadiusCodecErrorCode.InvalidAuthenticator },
    );
  });
});

describe('vendorSpecific', () => {
  it('wraps one sub-attribute in the RFC 2865 §5.26 suggested format', () => {
    const vsa = vendorSpecific(12356, 1, text('vpn'));
    assert.equal(vsa.type, 26);
    assert.equal(toHex(vsa.value), '000030440105' + '76706e');
  });

  it('throws for values over 247 octets and out-of-range ids', () => {
    assert.equal(vendorSpecific(1, 1, new Uint8Array(247)).value.length, 253);
    assert.throws(() => vendorSpecific(1, 1, new Uint8Array(248)), {
      code: RadiusCodecErrorCode.ValueTooLong,
    });
    assert.throws(() => vendorSpecific(0x1000000, 1, new Uint8Array(1)), {
      code: RadiusCodecErrorCode.InvalidField,
    });
    assert.throws(() => vendorSpecific(-1, 1, new Uint8Array(1)), {
      code: RadiusCodecErrorCode.InvalidField,
    });
    assert.throws(() => vendorSpecific(9, 0, new Uint8Array(1)), { code: RadiusCodecErrorCode.InvalidField });
  });
});
