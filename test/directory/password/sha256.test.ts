// The JavaScript SHA-256 against FIPS 180-4 examples and node:crypto on random inputs of every length near a block.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256Into } from '../../../src/directory/password/sha256.js';

const hex = (first: Uint8Array, second: Uint8Array = new Uint8Array(0)) => {
  const out = new Uint8Array(32);
  sha256Into(first, second, out);
  return Buffer.from(out).toString('hex');
};
const text = (s: string) => new TextEncoder().encode(s);

test('FIPS 180-4 examples: "abc", the empty message and the two-block 448-bit message', () => {
  assert.equal(hex(text('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(
    hex(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('the split between the two parts never changes the digest', () => {
  const message = text('password-and-salt-that-crosses-the-64-octet-block-boundary-somewhere-here');
  const expected = hex(message);
  for (let cut = 0; cut <= message.length; cut++) {
    assert.equal(hex(message.subarray(0, cut), message.subarray(cut)), expected, `cut at ${cut}`);
  }
});

test('agrees with node:crypto for any two parts up to 300 octets, and writes at the given offset', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 80 }),
      fc.nat(16),
      (first, second, offset) => {
        const out = new Uint8Array(offset + 32);
        sha256Into(first, second, out, offset);
        const expected = createHash('sha256').update(first).update(second).digest();
        assert.deepEqual(Buffer.from(out.subarray(offset)), expected);
      },
    ),
    { numRuns: 2000 },
  );
});

test('hashes the given range of the second part, as if it were the whole of it', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 100 }),
      fc.uint8Array({ maxLength: 80 }),
      fc.nat(80),
      fc.nat(80),
      (first, second, a, b) => {
        const from = Math.min(a, b, second.length);
        const to = Math.min(Math.max(a, b), second.length);
        const ranged = new Uint8Array(32);
        sha256Into(first, second, ranged, 0, from, to);
        const expected = createHash('sha256').update(first).update(second.subarray(from, to)).digest();
        assert.deepEqual(Buffer.from(ranged), expected);
      },
    ),
    { numRuns: 1000 },
  );
});
