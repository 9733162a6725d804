// Tests for seed generation: sizes (A6.6), independence of results, refusal of short seeds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSecretBytes, generateSecret } from '../../src/otp/generate-secret.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';

describe('generateSecret', () => {
  it('returns 20 bytes (160 bits, RFC 4226 §4 R6) by default', () => {
    assert.equal(defaultSecretBytes, 20);
    assert.equal(generateSecret().length, 20);
  });

  it('returns the requested size between 16 and 64 bytes', () => {
    assert.equal(generateSecret(16).length, 16);
    assert.equal(generateSecret(32).length, 32);
    assert.equal(generateSecret(64).length, 64);
  });

  it('returns a plain Uint8Array that owns its memory (not a view into a shared pool)', () => {
    const secret = generateSecret();
    assert.equal(Object.getPrototypeOf(secret), Uint8Array.prototype);
    assert.equal(secret.byteOffset, 0);
    assert.equal(secret.buffer.byteLength, secret.length);
  });

  it('never repeats a seed and is not all zero', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const secret = generateSecret(16);
      assert.ok(secret.some((b) => b !== 0));
      seen.add(Buffer.from(secret).toString('hex'));
    }
    assert.equal(seen.size, 1000);
  });

  it('uses every byte value across many seeds (a gross bias check, not a randomness test)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 200; i++) {
      for (const b of generateSecret(64)) {
        counts[b] = (counts[b] ?? 0) + 1;
      }
    }
    // 12,800 bytes: each value is expected 50 times; fewer than 15 has probability far below 1e-9.
    assert.ok(Math.min(...counts) >= 15, `min count ${Math.min(...counts)}`);
  });

  for (const bytes of [15, 8, 65, 20.5, Number.NaN]) {
    it(`refuses ${bytes} bytes with OTP_BAD_PARAMETER (A6.6: at least 128 bits)`, () => {
      assert.throws(
        () => generateSecret(bytes),
        (error: unknown) => error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER',
      );
    });
  }
});
