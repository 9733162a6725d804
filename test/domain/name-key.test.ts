// nameKey is Assent's one rule for "two spellings of one user" (issue 12); it must be at least as coarse as LDAP's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AMBIGUOUS_NAME, nameKey, PLAIN_NAME_CHARS, storedSpelling } from '../../src/domain/name-key.js';

test('case, outer and repeated spaces, full-width letters and NFD all fold to one key', () => {
  for (const spelling of ['LARA', 'Lara', ' lara', 'lara  ', '\uff4c\uff41\uff52\uff41', 'l\u0041ra']) {
    assert.equal(nameKey(spelling), 'lara', JSON.stringify(spelling));
  }
  assert.equal(nameKey('zoe\u0308'), nameKey('ZO\u00cb'));
  assert.equal(nameKey('Mary  Ann'), 'mary ann');
  assert.notEqual(nameKey('lara'), nameKey('laura'));
});

test('a key is stable: folding a key again changes nothing', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => nameKey(nameKey(s)) === nameKey(s)));
});

test(`a plain name's key is its ASCII lower case, what a database's lower() computes (PLAIN_NAME_CHARS)`, () => {
  const plain = new RegExp(`^[${PLAIN_NAME_CHARS}]+$`);
  const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  fc.assert(
    fc.property(fc.stringMatching(plain), (name) => plain.test(name) && nameKey(name) === asciiLower(name)),
  );
  assert.equal(plain.test('Mary Ann'), false, 'a space is not plain: it may be trimmed or joined');
  assert.equal(plain.test('ｌａｒａ'), false);
});

test('storedSpelling: exact first, then the one spelling of the key, else ambiguous or none', () => {
  const held = ['lara', 'Omar', 'OMAR', 'NINA'];
  const byKey = new Map<string, string[]>();
  for (const n of held) byKey.set(nameKey(n), [...(byKey.get(nameKey(n)) ?? []), n]);
  const exact = new Set(held);
  assert.equal(storedSpelling('lara', exact, byKey), 'lara');
  assert.equal(storedSpelling('LARA', exact, byKey), 'lara');
  assert.equal(storedSpelling('nina', exact, byKey), 'NINA');
  assert.equal(storedSpelling('omar', exact, byKey), AMBIGUOUS_NAME);
  assert.equal(storedSpelling('OMAR', exact, byKey), 'OMAR', 'an exact holder is never ambiguous');
  assert.equal(storedSpelling('zed', exact, byKey), undefined);
});
