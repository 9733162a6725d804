// The hand-written HMAC-SHA-1 of a counter agrees with node:crypto for every key length and counter.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { hmacSha1Counter, preparePadStates } from '../../src/otp/hmac-sha1.js';

function reference(key: Uint8Array, high: number, low: number): Uint8Array {
  const message = Buffer.alloc(8);
  message.writeUInt32BE(high >>> 0, 0);
  message.writeUInt32BE(low >>> 0, 4);
  return new Uint8Array(createHmac('sha1', key).update(message).digest());
}

test('RFC 2202 §3 style check: RFC 4226 appendix D secret, counter 0 → cc93cf18508d94934c64b65d8ba7667fb7cde4b0', () => {
  const key = new TextEncoder().encode('12345678901234567890');
  assert.equal(
    Buffer.from(hmacSha1Counter(key, 0, 0)).toString('hex'),
    'cc93cf18508d94934c64b65d8ba7667fb7cde4b0',
  );
});

test('matches node:crypto for keys of 1–200 octets (longer than a block too) and any 64-bit counter', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.integer({ min: 0, max: 0x1fffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (key, high, low) => {
        assert.deepEqual(new Uint8Array(hmacSha1Counter(key, high, low)), reference(key, high, low));
      },
    ),
    { numRuns: 2000 },
  );
});

test('the key pads are cached per key object, and a different key object with other bytes is not confused', () => {
  const a = new Uint8Array(20).fill(1);
  const b = new Uint8Array(20).fill(2);
  const first = Buffer.from(hmacSha1Counter(a, 0, 7)).toString('hex');
  assert.notEqual(Buffer.from(hmacSha1Counter(b, 0, 7)).toString('hex'), first);
  assert.equal(Buffer.from(hmacSha1Counter(a, 0, 7)).toString('hex'), first);
});

test('pad states prepared for many keys at once (the login index at load) give the same HMACs, long keys too', () => {
  const keys = [20, 32, 64, 65, 100].map((length, i) => new Uint8Array(length).fill(i + 3));
  const expected = keys.map((key) => reference(key, 1, 99));
  const prepared = keys.map((key) => Uint8Array.from(key));
  preparePadStates(prepared);
  prepared.forEach((key, i) => {
    assert.deepEqual(new Uint8Array(hmacSha1Counter(key, 1, 99)), expected[i]);
  });
});
