// Tests for the algorithm and digit guards and the node:crypto name mapping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOtpAlgorithm, isOtpDigits, nodeHmacName, OtpAlgorithm } from '../../src/otp/otp-algorithm.js';

describe('algorithm and digit guards', () => {
  it('accept exactly SHA1, SHA256 and SHA512', () => {
    assert.deepEqual(['SHA1', 'SHA256', 'SHA512', 'sha1', 'SHA-1', 'SHA224', undefined].map(isOtpAlgorithm), [
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('accept exactly 6, 7 and 8 digits', () => {
    assert.deepEqual([5, 6, 7, 8, 9, '6'].map(isOtpDigits), [false, true, true, true, false, false]);
  });

  it('the OtpAlgorithm object lists exactly the three RFC 6238 hash functions', () => {
    assert.deepEqual(Object.values(OtpAlgorithm), ['SHA1', 'SHA256', 'SHA512']);
  });

  it('map algorithms to node:crypto digest names', () => {
    assert.deepEqual((['SHA1', 'SHA256', 'SHA512'] as const).map(nodeHmacName), ['sha1', 'sha256', 'sha512']);
  });
});
