// Tests the PasswordVerifier port implementation: dispatch by prefix, dummy cost, rehash rule, pepper, close.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FOREIGN_ARGON2_HEADER } from '../../../src/directory/password/legacy-hash.js';
import { createPasswordVerifier } from '../../../src/directory/password/password-verifier.js';
import { WorkerPoolErrorCode } from '../../../src/directory/password/worker-pool.js';
import { octets, readHashVectors } from './vectors.js';

const FAST = { memoryCost: 256, timeCost: 2, parallelism: 1 } as const;
const legacy = readHashVectors('legacy-hashes.txt');
const argon2Reference = readHashVectors('argon2-reference.txt');

describe('password-verifier', () => {
  const verifier = createPasswordVerifier({ argon2: FAST });
  after(() => verifier.close());

  for (const vector of legacy) {
    it(`verifies the imported hash and refuses a wrong password: ${vector.tool}`, async () => {
      assert.equal(await verifier.verify(vector.hash, octets(vector.password)), true);
      assert.equal(await verifier.verify(vector.hash, octets(vector.password.toUpperCase())), false);
    });
  }

  it('answers {SSHA…}/{SHA…} with a plain boolean and crypt/Argon2 with a promise', async () => {
    const ssha = legacy.find((vector) => vector.hash.startsWith('{SSHA256}'))!;
    assert.equal(verifier.verify(ssha.hash, octets(ssha.password)), true);
    const crypt = legacy.find((vector) => vector.hash.startsWith('$5$'))!;
    const pending = verifier.verify(crypt.hash, octets(crypt.password));
    assert.ok(pending instanceof Promise);
    assert.equal(await pending, true);
  });

  it('verifies Argon2 reference hashes, bare and as imported {ARGON2}', async () => {
    for (const { hash, password } of argon2Reference) {
      assert.equal(await verifier.verify(hash, octets(password)), true, hash);
      assert.equal(await verifier.verify(FOREIGN_ARGON2_HEADER + hash, octets(password)), true, hash);
      assert.equal(await verifier.verify(hash, octets('Password')), false, hash);
    }
  });

  it('returns false, never throws, for unknown or garbage hashes', async () => {
    const garbage = [
      '',
      'pw',
      '{MD5}X03MO1qnZdYdgyfeuILPmQ==',
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/',
      '{SSHA256}',
      '$argon2id$',
      '{ARGON2}',
      '$2b$10$short',
      '\u0000',
      null,
      undefined,
      42,
    ];
    for (const stored of garbage) {
      assert.equal(await verifier.verify(stored as string, octets('pw')), false, String(stored));
    }
  });

  it('verifies a prepared hash exactly as its text, for every vector and for garbage', async () => {
    for (const vector of [...legacy, ...argon2Reference]) {
      const prepared = verifier.prepare!(vector.hash);
      assert.equal(await verifier.verify(prepared, octets(vector.password)), true, vector.hash);
      assert.equal(await verifier.verify(prepared, octets(`${vector.password}x`)), false, vector.hash);
    }
    for (const stored of ['', 'pw', '{MD5}X03MO1qnZdYdgyfeuILPmQ==', '{SSHA256}', '$argon2id$', null, 42]) {
      const prepared = verifier.prepare!(stored as string);
      assert.equal(await verifier.verify(prepared, octets('pw')), false, String(stored));
    }
    // Only what prepare made is trusted as parsed: any other object verifies nothing.
    for (const forged of [{}, { kind: 'sha' }, []]) {
      assert.equal(await verifier.verify(forged as never, octets('pw')), false);
    }
  });

  it('refuses a crypt password that is not valid UTF-8 rather than guessing', () => {
    const vector = legacy.find((candidate) => candidate.hash.startsWith('$6$'))!;
    assert.equal(verifier.verify(vector.hash, Uint8Array.of(0xff, 0xfe)), false);
  });

  it('hashes new passwords as argon2id with the configured parameters, which need no rehash', async () => {
    const hash = await verifier.hash(octets('new password'));
    assert.match(hash, /^\$argon2id\$v=19\$m=256,t=2,p=1\$/);
    assert.equal(await verifier.verify(hash, octets('new password')), true);
    assert.equal(await verifier.verify(hash, octets('new passwore')), false);
    assert.equal(verifier.needsRehash(hash), false);
    assert.equal(await verifier.verify(await verifier.hash('string input'), octets('string input')), true);
  });

  it('says needsRehash for every legacy, foreign, other-variant or other-cost hash', async () => {
    for (const { hash } of legacy) assert.equal(verifier.needsRehash(hash), true, hash);
    for (const { hash } of argon2Reference) {
      // The m=256 reference vector happens to use exactly FAST's parameters.
      assert.equal(verifier.needsRehash(hash), !hash.startsWith('$argon2id$v=19$m=256,t=2,p=1$'), hash);
      assert.equal(verifier.needsRehash(FOREIGN_ARGON2_HEADER + hash), true, hash);
    }
    const stronger = createPasswordVerifier({ argon2: { ...FAST, timeCost: 3 } });
    try {
      assert.equal(stronger.needsRehash(await verifier.hash('pw')), true);
    } finally {
      await stronger.close();
    }
    assert.equal(verifier.needsRehash('garbage'), true);
  });

  it('verifyDummy costs about one argon2id verification and never matches (docs/security.md A3.7)', async () => {
    const timed = async (run: () => boolean | Promise<boolean>): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        assert.equal(await run(), i < 0); // always false for the dummy; the real one gets a wrong password
        samples.push(performance.now() - started);
      }
      return samples.sort((a, b) => a - b)[2]!;
    };
    const real = createPasswordVerifier(); // OWASP defaults, so the work dominates the overhead
    try {
      const hash = await real.hash('right');
      const dummy = await timed(() => real.verifyDummy(octets('right')));
      const known = await timed(() => real.verify(hash, octets('wrong')));
      assert.ok(
        dummy > known / 3 && dummy < known * 3,
        `dummy ${dummy.toFixed(1)} ms vs real ${known.toFixed(1)} ms`,
      );
    } finally {
      await real.close();
    }
  });

  it('peppers new hashes: another pepper or none does not verify them (docs/security.md A9.2)', async () => {
    const withPepper = createPasswordVerifier({ argon2: FAST, pepper: octets('pepper one') });
    const otherPepper = createPasswordVerifier({ argon2: FAST, pepper: octets('pepper two') });
    try {
      const hash = await withPepper.hash('pw');
      assert.equal(await withPepper.verify(hash, octets('pw')), true);
      assert.equal(await otherPepper.verify(hash, octets('pw')), false);
      assert.equal(await verifier.verify(hash, octets('pw')), false);
      // Imported Argon2 was made without our pepper and still verifies.
      const reference = argon2Reference[0]!;
      assert.equal(
        await withPepper.verify(FOREIGN_ARGON2_HEADER + reference.hash, octets(reference.password)),
        true,
      );
    } finally {
      await Promise.all([withPepper.close(), otherPepper.close()]);
    }
  });

  it('refuses impossible argon2 parameters at creation', () => {
    for (const argon2 of [
      { memoryCost: 4 },
      { timeCost: 0 },
      { parallelism: 0 },
      { parallelism: 1.5 },
      { parallelism: 256 },
    ]) {
      assert.throws(() => createPasswordVerifier({ argon2 }), RangeError);
    }
  });

  it('after close(), crypt checks reject with POOL_CLOSED and SHA checks still answer', async () => {
    const closing = createPasswordVerifier({ argon2: FAST });
    await closing.close();
    const crypt = legacy.find((vector) => vector.hash.startsWith('$5$'))!;
    await assert.rejects(
      async () => closing.verify(crypt.hash, octets(crypt.password)),
      (error) => (error as { code?: unknown }).code === WorkerPoolErrorCode.Closed,
    );
    const ssha = legacy.find((vector) => vector.hash.startsWith('{SSHA}'))!;
    assert.equal(closing.verify(ssha.hash, octets(ssha.password)), true);
  });
});
