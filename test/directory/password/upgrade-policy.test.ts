// Tests the rehash-on-login rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shouldRehashOnLogin } from '../../../src/directory/password/upgrade-policy.js';

const legacy = '{SSHA256}aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2hzYWx0';
const staleOwn = '$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA';

describe('upgrade-policy', () => {
  it('rehashes a legacy hash after a correct password when upgradeLegacyHashes is on', () => {
    assert.equal(
      shouldRehashOnLogin({
        upgradeLegacyHashes: true,
        passwordVerified: true,
        storedHash: legacy,
        needsRehash: true,
      }),
      true,
    );
  });

  it('leaves legacy hashes alone when upgradeLegacyHashes is off (another system may still read them)', () => {
    for (const storedHash of [legacy, `{ARGON2}${staleOwn}`, '$6$salt$x']) {
      assert.equal(
        shouldRehashOnLogin({
          upgradeLegacyHashes: false,
          passwordVerified: true,
          storedHash,
          needsRehash: true,
        }),
        false,
        storedHash,
      );
    }
  });

  it('always upgrades our own Argon2 hash with stale parameters', () => {
    assert.equal(
      shouldRehashOnLogin({
        upgradeLegacyHashes: false,
        passwordVerified: true,
        storedHash: staleOwn,
        needsRehash: true,
      }),
      true,
    );
  });

  it('never rehashes after a wrong password or when the hash is current', () => {
    for (const upgradeLegacyHashes of [true, false]) {
      assert.equal(
        shouldRehashOnLogin({
          upgradeLegacyHashes,
          passwordVerified: false,
          storedHash: legacy,
          needsRehash: true,
        }),
        false,
      );
      assert.equal(
        shouldRehashOnLogin({
          upgradeLegacyHashes,
          passwordVerified: true,
          storedHash: staleOwn,
          needsRehash: false,
        }),
        false,
      );
    }
  });
});
