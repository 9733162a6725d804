// Tests argon2id hashing and Argon2 verification, against the phc-winner-argon2 reference vectors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_ARGON2_PARAMS,
  hashArgon2id,
  isAcceptableArgon2Hash,
  isCurrentArgon2id,
  verifyArgon2,
} from '../../../src/directory/password/argon2id.js';
import { octets, readHashVectors } from './vectors.js';

// Cheap parameters keep the tests fast; the defaults are checked once.
const FAST = { memoryCost: 256, timeCost: 2, parallelism: 1 } as const;

describe('argon2id', () => {
  it('hashes with the OWASP defaults into a PHC string $argon2id$v=19$m=19456,t=2,p=1$…', async () => {
    const hash = await hashArgon2id(octets('pw'), DEFAULT_ARGON2_PARAMS);
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyArgon2(hash, octets('pw')), true);
    assert.equal(await verifyArgon2(hash, octets('pW')), false);
  });

  it('gives a new salt to every hash', async () => {
    assert.notEqual(await hashArgon2id('pw', FAST), await hashArgon2id('pw', FAST));
  });

  for (const vector of readHashVectors('argon2-reference.txt')) {
    it(`verifies the reference vector: ${vector.tool}`, async () => {
      assert.equal(await verifyArgon2(vector.hash, octets(vector.password)), true);
      assert.equal(await verifyArgon2(vector.hash, octets('passwore')), false);
    });
  }

  it('needs the pepper to verify a peppered hash (docs/security.md A9.2)', async () => {
    const pepper = octets('pepper kept outside the database');
    const hash = await hashArgon2id('pw', FAST, pepper);
    assert.equal(await verifyArgon2(hash, octets('pw'), pepper), true);
    assert.equal(await verifyArgon2(hash, octets('pw')), false);
    assert.equal(await verifyArgon2(hash, octets('pw'), octets('another pepper')), false);
  });

  it('resolves false for garbage and for costs above the stored-hash limits, without trying', async () => {
    const huge = '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
    assert.equal(isAcceptableArgon2Hash(huge), false);
    const started = performance.now();
    assert.equal(await verifyArgon2(huge, octets('password')), false);
    assert.ok(performance.now() - started < 100);
    for (const garbage of [
      '',
      '$argon2id$',
      '$argon2id$v=19$m=x',
      '$argon2q$v=19$m=256,t=2,p=1$c29tZXNhbHQ$aGFzaA',
    ]) {
      assert.equal(await verifyArgon2(garbage, octets('password')), false, garbage);
    }
  });

  it('treats only argon2id v=19 with exactly the configured m, t, p as current', async () => {
    const hash = await hashArgon2id('pw', FAST);
    assert.equal(isCurrentArgon2id(hash, FAST), true);
    assert.equal(isCurrentArgon2id(hash, { ...FAST, memoryCost: 512 }), false);
    assert.equal(isCurrentArgon2id(hash, { ...FAST, timeCost: 3 }), false);
    assert.equal(isCurrentArgon2id(hash, { ...FAST, parallelism: 2 }), false);
    const argon2i = readHashVectors('argon2-reference.txt').find((vector) =>
      vector.hash.startsWith('$argon2i$'),
    );
    assert.equal(isCurrentArgon2id(argon2i!.hash, { memoryCost: 65536, timeCost: 2, parallelism: 1 }), false);
    assert.equal(isCurrentArgon2id('garbage', FAST), false);
  });
});
