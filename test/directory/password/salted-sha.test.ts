// Tests LDAP-style SHA hashes against slappasswd and python3 hashlib vectors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  formatShaHash,
  MAX_SALT_OCTETS,
  parseShaHash,
  prepareShaHash,
  ShaScheme,
  verifyPreparedShaHash,
  verifyShaHashString,
} from '../../../src/directory/password/salted-sha.js';
import { octets, readHashVectors } from './vectors.js';

const shaVectors = readHashVectors('legacy-hashes.txt').filter((vector) => vector.hash.startsWith('{'));

function ssha256(password: string, salt: Buffer): string {
  const digest = createHash('sha256').update(password).update(salt).digest();
  return `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`;
}

describe('salted-sha', () => {
  it('has slappasswd and hashlib vectors for every family', () => {
    const headers = new Set(shaVectors.map((vector) => /^\{(\w+)\}/.exec(vector.hash)?.[1]));
    for (const scheme of ['SSHA', 'SSHA256', 'SSHA512', 'SHA', 'SHA256', 'SHA512'])
      assert.ok(headers.has(scheme), scheme);
  });

  for (const vector of shaVectors) {
    it(`verifies the right password and refuses a wrong one: ${vector.tool}`, () => {
      assert.equal(verifyShaHashString(vector.hash, octets(vector.password)), true);
      assert.equal(verifyShaHashString(vector.hash, octets(`${vector.password}x`)), false);
      assert.equal(verifyShaHashString(vector.hash, octets('')), false);
    });
  }

  it('returns a plain boolean, not a promise (PAP hot path)', () => {
    const result: unknown = verifyShaHashString(shaVectors[0]!.hash, octets('x'));
    assert.equal(typeof result, 'boolean');
  });

  it('refuses a hash whose digest has one bit flipped', () => {
    const salt = Buffer.from('0123456789abcdef');
    const good = ssha256('pw', salt);
    const raw = Buffer.from(good.slice('{SSHA256}'.length), 'base64');
    raw[0]! ^= 1;
    assert.equal(verifyShaHashString(good, octets('pw')), true);
    assert.equal(verifyShaHashString(`{SSHA256}${raw.toString('base64')}`, octets('pw')), false);
  });

  it('compares password octets, not a UTF-8 decoding of them', () => {
    const password = Uint8Array.of(0xff, 0xfe, 0x00, 0x41);
    const salt = Buffer.from('salt');
    const digest = createHash('sha256').update(password).update(salt).digest();
    const stored = `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`;
    assert.equal(verifyShaHashString(stored, password), true);
    assert.equal(verifyShaHashString(stored, Uint8Array.of(0xff, 0xfd, 0x00, 0x41)), false);
  });

  it('reads the scheme header case-insensitively', () => {
    const stored = ssha256('pw', Buffer.from('salt'));
    assert.equal(verifyShaHashString(stored.replace('{SSHA256}', '{ssha256}'), octets('pw')), true);
  });

  it('accepts base64 without padding, as some exporters write it', () => {
    const stored = ssha256('pw', Buffer.from('salt5')); // 37 octets: base64 ends in one "="
    assert.ok(stored.endsWith('='));
    assert.equal(verifyShaHashString(stored.replace(/=+$/, ''), octets('pw')), true);
  });

  it('parses to scheme, digest and salt and formats back to the canonical form', () => {
    const stored = ssha256('pw', Buffer.from('salt'));
    const parsed = parseShaHash(stored.replace('{SSHA256}', '{Ssha256}'));
    assert.equal(parsed?.scheme, ShaScheme.Ssha256);
    assert.equal(parsed?.digest.length, 32);
    assert.deepEqual(parsed?.salt, Buffer.from('salt'));
    assert.equal(formatShaHash(parsed!), stored);
  });

  describe('refuses malformed stored hashes (false, no exception)', () => {
    const digest32 = Buffer.alloc(32, 1);
    const cases: Record<string, string> = {
      'no header': digest32.toString('base64'),
      'unknown header': `{MD5}${Buffer.alloc(16).toString('base64')}`,
      'header not closed': '{SSHA256',
      'salted scheme without salt': `{SSHA256}${digest32.toString('base64')}`,
      'unsalted scheme with extra octets': `{SHA256}${Buffer.alloc(36).toString('base64')}`,
      'too short for the digest': `{SSHA512}${Buffer.alloc(40).toString('base64')}`,
      'salt longer than the limit': `{SSHA256}${Buffer.alloc(32 + MAX_SALT_OCTETS + 1).toString('base64')}`,
      'characters outside base64': `{SSHA256}${digest32.toString('base64')}!!!!`,
      'url-safe base64': `{SSHA256}${Buffer.alloc(36, 0xfb).toString('base64url')}`,
      'empty body': '{SSHA256}',
      'empty string': '',
    };
    for (const [name, stored] of Object.entries(cases)) {
      it(name, () => {
        assert.equal(parseShaHash(stored), undefined);
        assert.equal(prepareShaHash(stored), undefined);
        assert.equal(verifyShaHashString(stored, octets('pw')), false);
      });
    }
  });

  describe('prepared once for the login path (one object per user, digest and salt in a shared slab)', () => {
    for (const vector of shaVectors) {
      it(`gives the same answers as the parsed hash: ${vector.tool}`, () => {
        const prepared = prepareShaHash(vector.hash)!;
        assert.ok(prepared);
        assert.equal(verifyPreparedShaHash(prepared, octets(vector.password)), true);
        assert.equal(verifyPreparedShaHash(prepared, octets(`${vector.password}x`)), false);
        assert.equal(verifyPreparedShaHash(prepared, octets('')), false);
      });
    }

    it('keeps every hash intact across slabs, a wrong password refused and one flipped bit caught', () => {
      // 64 KiB slabs hold about 1,300 of these (48 octets each): 5,000 hashes fill four and start a fifth.
      const hashes = Array.from({ length: 5000 }, (_, i) => ({
        password: `pw${i}`,
        stored: ssha256(`pw${i}`, Buffer.from(`salt-${i}-`.padEnd(16, 'x'))),
      }));
      const prepared = hashes.map((h) => prepareShaHash(h.stored)!);
      assert.ok(new Set(prepared.map((p) => p.slab)).size >= 4);
      for (const [i, h] of hashes.entries()) {
        assert.equal(verifyPreparedShaHash(prepared[i]!, octets(h.password)), true, h.stored);
        assert.equal(verifyPreparedShaHash(prepared[i]!, octets(`pw${i + 1}`)), false);
      }
      const raw = Buffer.from(hashes[7]!.stored.slice('{SSHA256}'.length), 'base64');
      raw[31]! ^= 0x80;
      const flipped = prepareShaHash(`{SSHA256}${raw.toString('base64')}`)!;
      assert.equal(verifyPreparedShaHash(flipped, octets('pw7')), false);
    });

    it('a refused hash takes no room: the next one is stored where it would have gone', () => {
      const before = prepareShaHash(ssha256('a', Buffer.from('salt')))!;
      assert.equal(prepareShaHash(`{SSHA256}${Buffer.alloc(32, 1).toString('base64')}`), undefined);
      const after = prepareShaHash(ssha256('b', Buffer.from('salt')))!;
      if (after.slab === before.slab) assert.equal(after.start, before.end);
      assert.equal(verifyPreparedShaHash(before, octets('a')), true);
      assert.equal(verifyPreparedShaHash(after, octets('b')), true);
    });
  });
});
