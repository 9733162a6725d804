// Unit tests for Request/Response Authenticators (RFC 2865 §3, RFC 2866 §3, RFC 5176 §3.5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computePacketAuthenticator,
  randomAuthenticator,
  verifyAccountingRequestAuthenticator,
  verifyResponseAuthenticator,
} from '../../src/radius/authenticator.js';
import { expandTemplate } from './support/hex.js';
import { put, referencePacketAuthenticator } from './support/reference.js';

const secret = Buffer.from('xyzzy5461');
const requestAuth = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);

function reply(): Uint8Array {
  const bytes = expandTemplate('02 09 <len> <auth> 12 04 6f 6b');
  return put(bytes, referencePacketAuthenticator(bytes, requestAuth, secret), 4);
}

describe('verifyResponseAuthenticator', () => {
  it('accepts MD5(Code+ID+Length+RequestAuth+Attributes+Secret) (RFC 2865 §3)', () => {
    assert.equal(verifyResponseAuthenticator(reply(), requestAuth, secret), true);
  });

  it('ignores octets past the Length field', () => {
    const padded = new Uint8Array(40);
    padded.set(reply());
    assert.equal(verifyResponseAuthenticator(padded, requestAuth, secret), true);
  });

  it('refuses another secret, another request authenticator, or a changed attribute', () => {
    assert.equal(verifyResponseAuthenticator(reply(), requestAuth, Buffer.from('xyzzy5462')), false);
    assert.equal(verifyResponseAuthenticator(reply(), new Uint8Array(16), secret), false);
    const changed = reply();
    changed[23]! ^= 1;
    assert.equal(verifyResponseAuthenticator(changed, requestAuth, secret), false);
  });

  it('returns false, without throwing, for bytes that are not a framed packet', () => {
    assert.equal(verifyResponseAuthenticator(new Uint8Array(10), requestAuth, secret), false);
    assert.equal(
      verifyResponseAuthenticator(expandTemplate('02 00 00 13 <auth>'), requestAuth, secret),
      false,
    );
    assert.equal(
      verifyResponseAuthenticator(expandTemplate('02 00 00 30 <auth>'), requestAuth, secret),
      false,
    );
    assert.equal(verifyResponseAuthenticator(reply(), requestAuth.subarray(1), secret), false);
  });
});

describe('verifyAccountingRequestAuthenticator', () => {
  const request = () => {
    const bytes = expandTemplate('04 01 <len> <auth> 28 06 00 00 00 01');
    return put(bytes, referencePacketAuthenticator(bytes, new Uint8Array(16), secret), 4);
  };

  it('accepts MD5(Code+ID+Length+16 zero octets+Attributes+Secret) (RFC 2866 §3)', () => {
    assert.equal(verifyAccountingRequestAuthenticator(request(), secret), true);
  });

  it('refuses another secret, a changed attribute, or bytes that are not a framed packet', () => {
    assert.equal(verifyAccountingRequestAuthenticator(request(), Buffer.from('other')), false);
    const changed = request();
    changed[25]! ^= 1;
    assert.equal(verifyAccountingRequestAuthenticator(changed, secret), false);
    assert.equal(verifyAccountingRequestAuthenticator(new Uint8Array(19), secret), false);
  });
});

describe('randomAuthenticator and computePacketAuthenticator', () => {
  it('randomAuthenticator gives 16 fresh octets each call', () => {
    const a = randomAuthenticator();
    const b = randomAuthenticator();
    assert.equal(a.length, 16);
    assert.notDeepEqual(a, b);
  });

  it('computePacketAuthenticator hashes only the first Length octets', () => {
    const bytes = reply();
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes);
    assert.deepEqual(
      computePacketAuthenticator(padded, bytes.length, requestAuth, secret),
      computePacketAuthenticator(bytes, bytes.length, requestAuth, secret),
    );
  });
});
