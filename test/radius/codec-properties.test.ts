// Property tests: round trips, authenticators that verify, and a decoder that never throws on any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AttributeType } from '../../src/radius/attribute-type.js';
import {
  verifyAccountingRequestAuthenticator,
  verifyResponseAuthenticator,
} from '../../src/radius/authenticator.js';
import { Code } from '../../src/radius/code.js';
import { decodeAttributes } from '../../src/radius/decode-attributes.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { type EncodableAttribute, encodeReply, encodeRequest } from '../../src/radius/encode.js';
import {
  verifyReplyMessageAuthenticator,
  verifyRequestMessageAuthenticator,
} from '../../src/radius/message-authenticator.js';
import { decodePacket, type Packet } from '../../src/radius/packet.js';
import { hideUserPassword, unhideUserPassword } from '../../src/radius/user-password.js';

const dictionary = standardDictionary();
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const secretArb = bytes(1, 64);
const authArb = bytes(16, 16);
const attributeArb: fc.Arbitrary<EncodableAttribute> = fc.record({
  type: fc.integer({ min: 1, max: 255 }).filter((t) => t !== AttributeType.MessageAuthenticator),
  value: bytes(0, 253),
});
/** Up to 15 attributes of up to 253 octets always fit in 4096 octets with the MA. */
const attributesArb = fc.array(attributeArb, { maxLength: 15 });
const replyCodeArb = fc.constantFrom(
  Code.AccessAccept,
  Code.AccessReject,
  Code.AccessChallenge,
  Code.AccountingResponse,
  Code.CoAAck,
  Code.ProtocolError,
);

function decoded(wire: Uint8Array): Packet {
  const result = decodePacket(wire);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.packet;
}

function sameAttributes(packet: Packet, expected: readonly EncodableAttribute[]): void {
  assert.deepEqual(
    packet.attributes.map((a) => [a.type, Buffer.from(a.value).toString('hex')]),
    expected.map((a) => [a.type, Buffer.from(a.value).toString('hex')]),
  );
}

/** Decodes and walks everything a packet offers; any throw fails the property. */
function exercise(datagram: Uint8Array): void {
  const result = decodePacket(datagram);
  if (!result.ok) return;
  decodeAttributes(result.packet, dictionary);
  verifyRequestMessageAuthenticator(result.packet, datagram);
  verifyReplyMessageAuthenticator(result.packet, result.packet.authenticator, datagram);
  verifyResponseAuthenticator(datagram, result.packet.authenticator, datagram);
  verifyAccountingRequestAuthenticator(datagram, datagram);
}

describe('codec properties', () => {
  it('decode(encodeReply(p)) gives back p, MA first, and both authenticators verify (docs/security.md B2 #35)', () => {
    fc.assert(
      fc.property(
        replyCodeArb,
        fc.integer({ min: 0, max: 255 }),
        authArb,
        secretArb,
        attributesArb,
        (code, id, requestAuth, secret, attributes) => {
          const wire = encodeReply({
            code,
            identifier: id,
            requestAuthenticator: requestAuth,
            secret,
            attributes,
          });
          const packet = decoded(wire);
          assert.equal(packet.code, code);
          assert.equal(packet.identifier, id);
          assert.equal(packet.messageAuthenticatorOffset, 20);
          assert.equal(packet.attributes[0]?.type, AttributeType.MessageAuthenticator);
          sameAttributes(packet, [packet.attributes[0]!, ...attributes]);
          assert.equal(verifyReplyMessageAuthenticator(packet, requestAuth, secret), true);
          assert.equal(verifyResponseAuthenticator(wire, requestAuth, secret), true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decode(encodeRequest(p)) gives back p, and its MA or accounting authenticator verifies', () => {
    const codeArb = fc.constantFrom(
      Code.AccessRequest,
      Code.StatusServer,
      Code.AccountingRequest,
      Code.CoARequest,
    );
    fc.assert(
      fc.property(
        codeArb,
        fc.integer({ min: 0, max: 255 }),
        secretArb,
        attributesArb,
        fc.boolean(),
        (code, id, secret, attributes, withMa) => {
          const wire = encodeRequest({
            code,
            identifier: id,
            secret,
            attributes,
            messageAuthenticator: withMa,
          });
          const packet = decoded(wire);
          assert.equal(packet.code, code);
          const expected = withMa ? [packet.attributes[0]!, ...attributes] : attributes;
          sameAttributes(packet, expected);
          assert.equal(verifyRequestMessageAuthenticator(packet, secret), withMa);
          if (code === Code.AccountingRequest || code === Code.CoARequest) {
            assert.equal(verifyAccountingRequestAuthenticator(wire, secret), true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a reply MA fails with another secret, another request authenticator, or one flipped bit', () => {
    fc.assert(
      fc.property(authArb, secretArb, attributesArb, fc.nat(), (requestAuth, secret, attributes, bit) => {
        const wire = encodeReply({
          code: 2,
          identifier: 1,
          requestAuthenticator: requestAuth,
          secret,
          attributes,
        });
        const otherSecret = Uint8Array.from([...secret, 1]);
        const otherAuth = requestAuth.map((b, i) => (i === 0 ? b ^ 1 : b));
        assert.equal(verifyReplyMessageAuthenticator(decoded(wire), requestAuth, otherSecret), false);
        assert.equal(verifyReplyMessageAuthenticator(decoded(wire), otherAuth, secret), false);
        const flipped = Uint8Array.from(wire);
        const at = 4 + (bit % ((wire.length - 4) * 8));
        flipped[at >> 3]! ^= 1 << (at & 7);
        const result = decodePacket(flipped);
        if (result.ok) {
          const verified =
            verifyReplyMessageAuthenticator(result.packet, requestAuth, secret) &&
            verifyResponseAuthenticator(flipped, requestAuth, secret);
          assert.equal(verified, false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('hide/unhide round-trips every password of 0–128 octets without trailing NULs (RFC 2865 §5.2)', () => {
    const passwordArb = bytes(0, 128).map((p) => {
      let end = p.length;
      while (end > 0 && p[end - 1] === 0) end--;
      return p.subarray(0, end);
    });
    fc.assert(
      fc.property(passwordArb, secretArb, authArb, (password, secret, auth) => {
        const hidden = hideUserPassword(password, secret, auth);
        assert.equal(hidden.length, Math.max(16, Math.ceil(password.length / 16) * 16));
        assert.deepEqual(unhideUserPassword(hidden, secret, auth), password);
      }),
      { numRuns: 500 },
    );
  });

  it('decodePacket never throws on random bytes, and refuses or frames them consistently', () => {
    fc.assert(
      fc.property(bytes(0, 4200), (datagram) => {
        exercise(datagram);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodePacket never throws on random attribute areas behind a plausible header', () => {
    const datagramArb = fc
      .tuple(fc.integer({ min: 0, max: 255 }), authArb, bytes(0, 600))
      .map(([code, auth, body]) => {
        const out = new Uint8Array(20 + body.length);
        out.set([code, 7, (out.length >> 8) & 0xff, out.length & 0xff]);
        out.set(auth, 4);
        out.set(body, 20);
        return out;
      });
    fc.assert(
      fc.property(datagramArb, (datagram) => exercise(datagram)),
      { numRuns: 3000 },
    );
  });

  it('mutated valid packets never make the decoder throw', () => {
    const validArb = fc
      .tuple(fc.integer({ min: 1, max: 255 }), authArb, secretArb, attributesArb)
      .map(([code, auth, secret, attributes]) =>
        encodeReply({ code, identifier: 1, requestAuthenticator: auth, secret, attributes }),
      );
    const mutationArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(validArb, mutationArb, fc.integer({ min: -40, max: 40 }), (wire, mutations, resize) => {
        const length = Math.max(0, wire.length + resize);
        const mutated = new Uint8Array(length);
        mutated.set(wire.subarray(0, length));
        for (const [at, value] of mutations) if (length > 0) mutated[at % length] = value;
        exercise(mutated);
      }),
      { numRuns: 3000 },
    );
  });
});
