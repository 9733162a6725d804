// Tests classification of stored hashes and canonicalisation of imported ones.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  canonicalizeCryptText,
  canonicalizeImportedHash,
  canonicalizeShaText,
  classifyStoredHash,
  FOREIGN_ARGON2_HEADER,
  HashImportFailure,
} from '../../../src/directory/password/legacy-hash.js';
import { ShaScheme, verifyShaHashString } from '../../../src/directory/password/salted-sha.js';
import { octets, readHashVectors } from './vectors.js';

const legacy = readHashVectors('legacy-hashes.txt');
const argon2Reference = readHashVectors('argon2-reference.txt');
const salt = Buffer.from('8saltoct');
const digestAndSalt = Buffer.concat([createHash('sha256').update('pw').update(salt).digest(), salt]);
const canonicalSsha256 = `{SSHA256}${digestAndSalt.toString('base64')}`;

describe('legacy-hash', () => {
  describe('classifyStoredHash', () => {
    it('sorts every vector into the verifier that handles it', () => {
      for (const { hash } of legacy) {
        const kind = classifyStoredHash(hash)?.kind;
        assert.equal(kind, hash.startsWith('{') ? 'sha' : 'crypt', hash);
      }
      for (const { hash } of argon2Reference) assert.equal(classifyStoredHash(hash)?.kind, 'argon2');
      assert.equal(
        classifyStoredHash(FOREIGN_ARGON2_HEADER + argon2Reference[0]!.hash)?.kind,
        'foreign-argon2',
      );
    });

    it('returns undefined for anything else', () => {
      for (const stored of [
        '',
        'x',
        '{ARGON2}$6$salt$x',
        '{MD5}AAAA',
        '$1$salt$abc',
        '{CLEARTEXT}pw',
        'pw',
      ]) {
        assert.equal(classifyStoredHash(stored), undefined, stored);
      }
    });
  });

  describe('canonicalizeImportedHash', () => {
    it('keeps canonical {SSHA…}/{SHA…} and crypt hashes as they are', () => {
      for (const { hash } of legacy)
        assert.deepEqual(canonicalizeImportedHash(hash), { ok: true, kind: 'hash', hash });
    });

    it('upper-cases the header and pads base64', () => {
      const unpadded = canonicalSsha256.replace('{SSHA256}', '{ssha256}').replace(/=+$/, '');
      assert.deepEqual(canonicalizeImportedHash(unpadded), {
        ok: true,
        kind: 'hash',
        hash: canonicalSsha256,
      });
    });

    it('accepts hex digest text like FreeRADIUS normify()', () => {
      const expected = { ok: true, kind: 'hash', hash: canonicalSsha256 };
      assert.deepEqual(canonicalizeImportedHash(`{SSHA256}${digestAndSalt.toString('hex')}`), expected);
      assert.deepEqual(
        canonicalizeImportedHash(`{SSHA256}0x${digestAndSalt.toString('hex').toUpperCase()}`),
        expected,
      );
    });

    it('strips {CRYPT} and puts {ARGON2} on foreign Argon2 hashes, which lack our pepper', () => {
      const sha512crypt = legacy.find((vector) => vector.hash.startsWith('$6$'))!.hash;
      assert.deepEqual(canonicalizeImportedHash(`{CRYPT}${sha512crypt}`), {
        ok: true,
        kind: 'hash',
        hash: sha512crypt,
      });
      const argon2 = argon2Reference[0]!.hash;
      const foreign = { ok: true, kind: 'hash', hash: FOREIGN_ARGON2_HEADER + argon2 };
      assert.deepEqual(canonicalizeImportedHash(argon2), foreign);
      assert.deepEqual(canonicalizeImportedHash(`{ARGON2}${argon2}`), foreign);
    });

    it('returns {clear}/{cleartext} values as a clear password to hash', () => {
      assert.deepEqual(canonicalizeImportedHash('{cleartext}s3cret'), {
        ok: true,
        kind: 'clear',
        password: 's3cret',
      });
      assert.deepEqual(canonicalizeImportedHash('{CLEAR}a b'), { ok: true, kind: 'clear', password: 'a b' });
    });

    const failures: Record<string, [string, HashImportFailure]> = {
      '{MD5}': ['{MD5}X03MO1qnZdYdgyfeuILPmQ==', HashImportFailure.Unsupported],
      '{NT}': ['{NT}8846f7eaee8fb117ad06bdd830b7586c', HashImportFailure.Unsupported],
      'MD5 crypt $1$': ['$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', HashImportFailure.Unsupported],
      'yescrypt $y$': [
        '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7',
        HashImportFailure.Unsupported,
      ],
      'bcrypt $2x$': [`$2x$10$${'a'.repeat(53)}`, HashImportFailure.Unsupported],
      'bcrypt cost 31': [`$2b$31$${'a'.repeat(53)}`, HashImportFailure.Malformed],
      'truncated SHA-crypt': ['$6$salt$abc', HashImportFailure.Malformed],
      'Argon2 too expensive': [
        '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
        HashImportFailure.Malformed,
      ],
      '{ARGON2} around a non-Argon2 hash': ['{ARGON2}$6$salt$abc', HashImportFailure.Malformed],
      'SSHA256 without salt': [
        `{SSHA256}${Buffer.alloc(32).toString('base64')}`,
        HashImportFailure.Malformed,
      ],
      'SSHA256 bad base64': ['{SSHA256}!!!!', HashImportFailure.Malformed],
      'unknown header': ['{FOO}bar', HashImportFailure.Unrecognised],
      'plain text': ['hunter2', HashImportFailure.Unrecognised],
      empty: ['', HashImportFailure.Unrecognised],
    };
    for (const [name, [text, reason]] of Object.entries(failures)) {
      it(`refuses ${name} as ${reason}`, () =>
        assert.deepEqual(canonicalizeImportedHash(text), { ok: false, reason }));
    }
  });

  describe('canonicalizeShaText (FreeRADIUS attributes without header)', () => {
    it('decodes base64, bare hex and 0x hex to the same canonical hash', () => {
      for (const text of [
        digestAndSalt.toString('base64'),
        digestAndSalt.toString('hex'),
        `0x${digestAndSalt.toString('hex')}`,
      ]) {
        assert.deepEqual(canonicalizeShaText(ShaScheme.Ssha256, text), {
          ok: true,
          kind: 'hash',
          hash: canonicalSsha256,
        });
      }
    });

    it('picks the SHA-2 variant from the digest length for SHA2-Password', () => {
      const digest = createHash('sha384').update('pw').digest();
      const result = canonicalizeShaText(undefined, digest.toString('hex'));
      assert.ok(result.ok && result.kind === 'hash');
      assert.ok(result.hash.startsWith('{SHA384}'));
      assert.equal(verifyShaHashString(result.hash, octets('pw')), true);
      assert.deepEqual(canonicalizeShaText(undefined, Buffer.alloc(30).toString('hex')), {
        ok: false,
        reason: HashImportFailure.Malformed,
      });
    });
  });

  it('canonicalizeCryptText accepts crypt and Argon2, refuses headers', () => {
    const bcrypt = legacy.find((vector) => vector.hash.startsWith('$2b$'))!.hash;
    assert.deepEqual(canonicalizeCryptText(` ${bcrypt} `), { ok: true, kind: 'hash', hash: bcrypt });
    assert.equal(canonicalizeCryptText(canonicalSsha256).ok, false);
  });
});

it('reads a {SSHA256} body in base64 that happens to start with "0x" as base64, not hex', async () => {
  const { canonicalizeImportedHash } = await import('../../../src/directory/password/legacy-hash.js');
  const { verifyShaHashString } = await import('../../../src/directory/password/salted-sha.js');
  // Search a salt whose stored form starts with 0x (about 1 in 4,096), then check it imports and verifies.
  for (let i = 0; ; i++) {
    const salt = Buffer.from(`salt-${i}-0123456`);
    const body = Buffer.concat([createHash('sha256').update('pw').update(salt).digest(), salt]).toString(
      'base64',
    );
    if (!body.startsWith('0x')) continue;
    const imported = canonicalizeImportedHash(`{SSHA256}${body}`);
    assert.ok(imported.ok && imported.kind === 'hash', `imports: ${JSON.stringify(imported)}`);
    assert.equal(verifyShaHashString(imported.hash, new TextEncoder().encode('pw')), true);
    break;
  }
});
