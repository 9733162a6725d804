// The hand-written HMAC-SHA-1 of a counter agrees with node:crypto for every key length and counter.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { hmacSha1Counter, packKeysWithPadStates } from '../../src/otp/hmac-sha1.js';

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

test('keys packed with their pad states (the login index at load) keep their octets and give the same HMACs', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (keys, low) => {
        const packed = packKeysWithPadStates(keys);
        assert.equal(packed.length, keys.length);
        packed.forEach((key, i) => {
          assert.deepEqual(key, keys[i], 'the same octets, in order');
          assert.equal(key.byteOffset % 64, 0, 'each key starts its own 64-octet unit');
        });
        // Every key once more after all were packed: no key's states overwrote a neighbour's.
        packed.forEach((key, i) => {
          assert.deepEqual(new Uint8Array(hmacSha1Counter(key, 3, low)), reference(keys[i]!, 3, low));
        });
      },
    ),
    { numRuns: 300 },
  );
});
