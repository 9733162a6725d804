// Unit tests for User-Password hiding (RFC 2865 §5.2; docs/security.md A1.10, B3 #41).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { RadiusCodecErrorCode } from '../../src/radius/codec-error.js';
import { hideUserPassword, unhideUserPassword } from '../../src/radius/user-password.js';
import { fromHex } from './support/hex.js';

const secret = Buffer.from('xyzzy5461');
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();

describe('hideUserPassword', () => {
  it('matches the RFC 2865 §7.1 example ("arctangent")', () => {
    const auth = fromHex('0f403f9473978057bd83d5cb98f4227a');
    assert.deepEqual(
      hideUserPassword(Buffer.from('arctangent'), secret, auth),
      fromHex('0dbe708d93d413ce3196e43f782a0aee'),
    );
  });

  it('matches the RFC 2865 §7.3 example ("challenge")', () => {
    const auth = fromHex('f3a47a1f6a6d76710b947ab93041a039');
    assert.deepEqual(
      hideUserPassword(Buffer.from('challenge'), secret, auth),
      fromHex('33657573778289b570885e15084825c5'),
    );
  });

  it('chains blocks: c(i) = p(i) XOR MD5(S + c(i-1))', () => {
    const auth = new Uint8Array(16).fill(7);
    const password = Buffer.from('seventeen-octets!');
    const hidden = hideUserPassword(password, secret, auth);
    assert.equal(hidden.length, 32);
    const b2 = createHash('md5').update(secret).update(hidden.subarray(0, 16)).digest();
    assert.equal(hidden[16]! ^ b2[0]!, '!'.charCodeAt(0));
    assert.equal(hidden[17]! ^ b2[1]!, 0, 'padding is NUL');
  });

  it('hides an empty password as one block of 16 NULs', () => {
    const auth = new Uint8Array(16);
    const hidden = hideUserPassword(new Uint8Array(0), secret, auth);
    assert.deepEqual(hidden, new Uint8Array(createHash('md5').update(secret).update(auth).digest()));
    assert.equal(text(unhideUserPassword(hidden, secret, auth)), '');
  });

  it('takes 128 octets and refuses 129 (programmer error)', () => {
    const auth = new Uint8Array(16);
    assert.equal(hideUserPassword(new Uint8Array(128).fill(65), secret, auth).length, 128);
    assert.throws(() => hideUserPassword(new Uint8Array(129), secret, auth), {
      code: RadiusCodecErrorCode.PasswordTooLong,
    });
  });

  it('refuses an authenticator that is not 16 octets', () => {
    assert.throws(() => hideUserPassword(Buffer.from('x'), secret, new Uint8Array(15)), {
      code: RadiusCodecErrorCode.InvalidAuthenticator,
    });
  });
});

describe('unhideUserPassword', () => {
  const auth = fromHex('0f403f9473978057bd83d5cb98f4227a');

  it('recovers the clear password and strips the NUL padding', () => {
    assert.equal(
      text(unhideUserPassword(fromHex('0dbe708d93d413ce3196e43f782a0aee'), secret, auth)),
      'arctangent',
    );
  });

  it('refuses values that are not 16–128 octets in multiples of 16 (docs/security.md B3 #41)', () => {
    for (const length of [0, 15, 17, 130, 144]) {
      assert.equal(unhideUserPassword(new Uint8Array(length), secret, auth), undefined, `${length} octets`);
    }
    assert.notEqual(unhideUserPassword(new Uint8Array(128), secret, auth), undefined);
  });

  it('refuses an authenticator that is not 16 octets', () => {
    assert.equal(unhideUserPassword(new Uint8Array(16), secret, auth.subarray(1)), undefined);
  });

  it('gives garbage, not the password, with the wrong secret', () => {
    const clear = unhideUserPassword(fromHex('0dbe708d93d413ce3196e43f782a0aee'), Buffer.from('wrong'), auth);
    assert.notEqual(text(clear), 'arctangent');
  });
});
