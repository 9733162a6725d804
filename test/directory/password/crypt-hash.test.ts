// Tests recognition of SHA-crypt and bcrypt hashes (vectors from openssl passwd and python3 crypt).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BCRYPT_MAX_COST,
  CryptScheme,
  parseCryptHash,
  passwordAsUtf8,
  SHA_CRYPT_MAX_ROUNDS,
} from '../../../src/directory/password/crypt-hash.js';
import { readHashVectors } from './vectors.js';

const cryptVectors = readHashVectors('legacy-hashes.txt').filter((vector) => vector.hash.startsWith('$'));
const SHA256_DIGEST = 'a'.repeat(43);
const SHA512_DIGEST = 'a'.repeat(86);
const BCRYPT_TAIL = 'a'.repeat(53);

describe('crypt-hash', () => {
  for (const vector of cryptVectors) {
    it(`recognises ${vector.tool}`, () => {
      const parsed = parseCryptHash(vector.hash);
      assert.ok(parsed, vector.hash);
      assert.equal(parsed.scheme, vector.hash.startsWith('$2') ? CryptScheme.Bcrypt : CryptScheme.ShaCrypt);
    });
  }

  it('reads the cost: SHA-crypt rounds (default 5000) and bcrypt log2 rounds', () => {
    assert.deepEqual(parseCryptHash(`$5$salt$${SHA256_DIGEST}`), { scheme: 'sha-crypt', cost: 5000 });
    assert.deepEqual(parseCryptHash(`$6$rounds=656000$salt$${SHA512_DIGEST}`), {
      scheme: 'sha-crypt',
      cost: 656000,
    });
    assert.deepEqual(parseCryptHash(`$2b$12$${BCRYPT_TAIL}`), { scheme: 'bcrypt', cost: 12 });
  });

  describe('refuses hashes we cannot or should not verify', () => {
    const cases: Record<string, string> = {
      'MD5 crypt $1$': '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/',
      'yescrypt $y$ (Debian 12 shadow default)':
        '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7',
      'bcrypt $2x$ (crypt_blowfish bug marker)': `$2x$10$${BCRYPT_TAIL}`,
      'bcrypt cost above the limit': `$2b$${BCRYPT_MAX_COST + 1}$${BCRYPT_TAIL}`,
      'bcrypt cost below 4': `$2b$03$${BCRYPT_TAIL}`,
      'bcrypt with a short tail': `$2b$10$${'a'.repeat(52)}`,
      'SHA-crypt rounds above the limit': `$6$rounds=${SHA_CRYPT_MAX_ROUNDS + 1}$salt$${SHA512_DIGEST}`,
      'SHA-crypt rounds below 1000 (never printed by crypt(3))': `$6$rounds=999$salt$${SHA512_DIGEST}`,
      'SHA-256 crypt with a SHA-512 sized digest': `$5$salt$${SHA512_DIGEST}`,
      'SHA-crypt salt longer than 16': `$6$${'s'.repeat(17)}$${SHA512_DIGEST}`,
      'SHA-crypt digest with a foreign character': `$5$salt$${'a'.repeat(42)}!`,
      'DES crypt': 'abJnggxhB/yWI',
      garbage: 'not a hash',
    };
    for (const [name, stored] of Object.entries(cases)) {
      it(name, () => assert.equal(parseCryptHash(stored), undefined));
    }
  });

  it('decodes valid UTF-8 passwords and refuses invalid UTF-8 instead of replacing it', () => {
    assert.equal(passwordAsUtf8(new TextEncoder().encode('pässwörd')), 'pässwörd');
    // 0xff and 0xfe would both decode to U+FFFD and so verify as the same password.
    assert.equal(passwordAsUtf8(Uint8Array.of(0x61, 0xff)), undefined);
    assert.equal(passwordAsUtf8(Uint8Array.of(0xc3)), undefined);
  });
});
