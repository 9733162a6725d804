// Unit tests for Message-Authenticator verification (RFC 3579 §3.2, RFC 5176 §3.5; docs/security.md A1.7, B2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeMessageAuthenticator,
  verifyReplyMessageAuthenticator,
  verifyRequestMessageAuthenticator,
} from '../../src/radius/message-authenticator.js';
import { decodePacket, type Packet } from '../../src/radius/packet.js';
import { expandTemplate, SAMPLE_AUTH } from './support/hex.js';
import { put, referenceMessageAuthenticator } from './support/reference.js';

const secret = Buffer.from('s3cret');
const ZERO = new Uint8Array(16);

function packetOf(bytes: Uint8Array): Packet {
  const result = decodePacket(bytes);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.packet;
}

/** An Access-Request with MA at `maOffset`, signed by the reference computation. */
function signedRequest(template: string, maOffset: number, code = 1, key: Uint8Array = secret): Uint8Array {
  const bytes = expandTemplate(template);
  bytes[0] = code;
  const base = code === 4 || code === 40 || code === 43 ? ZERO : SAMPLE_AUTH;
  return put(bytes, referenceMessageAuthenticator(bytes, maOffset, base, key), maOffset + 2);
}

describe('verifyRequestMessageAuthenticator', () => {
  it('accepts an Access-Request whose MA matches HMAC-MD5 over the packet with the MA zeroed', () => {
    const bytes = signedRequest('01 07 <len> <auth> 50 12 00*16 01 05 62 6f 62', 20);
    assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), true);
  });

  it('accepts a correct MA as the last attribute (docs/security.md B2 #27, A1.13)', () => {
    const bytes = signedRequest('01 07 <len> <auth> 01 05 62 6f 62 50 12 00*16', 25);
    assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), true);
  });

  it('refuses an MA with one bit flipped (docs/security.md B2 #25)', () => {
    const bytes = signedRequest('01 07 <len> <auth> 50 12 00*16 01 05 62 6f 62', 20);
    bytes[30]! ^= 0x10;
    assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), false);
  });

  it('refuses a packet changed outside the MA, including its authenticator', () => {
    const bytes = signedRequest('01 07 <len> <auth> 50 12 00*16 01 05 62 6f 62', 20);
    bytes[41]! ^= 1;
    assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), false);
    bytes[41]! ^= 1;
    bytes[5]! ^= 1;
    assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), false);
  });

  it('refuses an MA computed with another secret (docs/security.md B2 #26)', () => {
    const bytes = signedRequest('01 07 <len> <auth> 50 12 00*16', 20, 1, Buffer.from('other'));
    assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), false);
  });

  it('refuses a packet without MA', () => {
    assert.equal(
      verifyRequestMessageAuthenticator(packetOf(expandTemplate('01 07 <len> <auth> 01 03 61')), secret),
      false,
    );
  });

  it('computes Accounting-, CoA- and Disconnect-Request MAs over a zeroed authenticator (RFC 5176 §3.5)', () => {
    for (const code of [4, 40, 43]) {
      const bytes = signedRequest('01 07 <len> <auth> 50 12 00*16 01 03 61', 20, code);
      assert.equal(verifyRequestMessageAuthenticator(packetOf(bytes), secret), true, `code ${code}`);
    }
  });
});

describe('verifyReplyMessageAuthenticator', () => {
  const requestAuth = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
  const reply = () => {
    const bytes = expandTemplate('02 07 <len> <auth> 50 12 00*16 12 04 6f 6b');
    return put(bytes, referenceMessageAuthenticator(bytes, 20, requestAuth, secret), 22);
  };

  it('accepts a reply MA computed with the request authenticator in place (RFC 3579 §3.2)', () => {
    assert.equal(verifyReplyMessageAuthenticator(packetOf(reply()), requestAuth, secret), true);
  });

  it('refuses it against another request authenticator, or one that is not 16 octets', () => {
    assert.equal(verifyReplyMessageAuthenticator(packetOf(reply()), SAMPLE_AUTH, secret), false);
    assert.equal(
      verifyReplyMessageAuthenticator(packetOf(reply()), requestAuth.subarray(0, 15), secret),
      false,
    );
  });

  it('refuses a reply without MA', () => {
    const bytes = expandTemplate('02 07 <len> <auth> 12 04 6f 6b');
    assert.equal(verifyReplyMessageAuthenticator(packetOf(bytes), requestAuth, secret), false);
  });
});

describe('computeMessageAuthenticator', () => {
  it('equals the copy-and-zero reference without touching the packet', () => {
    const bytes = expandTemplate('01 07 <len> <auth> 01 03 61 50 12 ff*16 1f 03 62');
    const before = Uint8Array.from(bytes);
    const got = computeMessageAuthenticator(bytes, 23, SAMPLE_AUTH, secret);
    assert.deepEqual(
      new Uint8Array(got),
      new Uint8Array(referenceMessageAuthenticator(bytes, 23, SAMPLE_AUTH, secret)),
    );
    assert.deepEqual(bytes, before);
  });
});
