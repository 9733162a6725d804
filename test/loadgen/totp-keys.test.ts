// Tests the generator's per-user TOTP keys and codes against otpauth as the oracle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { deriveTotpKey, TOTP_KEY_OCTETS, TotpKeyTable, totpStepAt } from '../../src/loadgen/totp-keys.js';

const SEED = new TextEncoder().encode('totp-keys-test-seed');

describe('totp keys', () => {
  it('gives every user its own 20-octet key, and another seed other keys', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const key = deriveTotpKey(SEED, i);
      assert.equal(key.length, TOTP_KEY_OCTETS);
      keys.add(Buffer.from(key).toString('hex'));
    }
    assert.equal(keys.size, 1000);
    assert.notDeepEqual(deriveTotpKey(SEED, 7), deriveTotpKey(new TextEncoder().encode('other'), 7));
    assert.deepEqual(deriveTotpKey(SEED, 7), deriveTotpKey(SEED, 7));
  });

  it('computes the RFC 6238 code (SHA-1, 6 digits, 30 s) of the step, as an authenticator app would', () => {
    const table = new TotpKeyTable(SEED, 3);
    const now = Date.UTC(2026, 10, 23, 12, 0, 29, 999);
    const step = totpStepAt(now);
    assert.equal(step, Math.floor(now / 30_000));
    assert.equal(totpStepAt(now + 1), step + 1, 'a step starts on the second divisible by 30');
    for (let user = 0; user < 3; user++) {
      const secret = new Secret({ buffer: deriveTotpKey(SEED, user).slice().buffer });
      const expected = TOTP.generate({ secret, algorithm: 'SHA1', digits: 6, period: 30, timestamp: now });
      assert.equal(table.code(user, step), expected);
    }
  });
});
