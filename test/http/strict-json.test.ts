// SECURITY A8.7 / B5 #62: bodies with duplicate keys or deep nesting are refused; everything JSON.parse reads is kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, parseStrictJson } from '../../src/http/strict-json.js';

test('reads what JSON.parse reads: nested objects, arrays, escapes, keys repeated in different objects', () => {
  const text = '{"a":{"x":1},"b":[{"x":2},{"x":"\\"}{,"}],"c":"\\u0041","d":null}';
  assert.deepEqual(parseStrictJson(text), { ok: true, value: JSON.parse(text) });
});

test('a key twice in one object is refused, also when spelled with an escape', () => {
  assert.deepEqual(parseStrictJson('{"decision":"deny","decision":"approve"}'), {
    ok: false,
    detail: 'duplicate key "decision"',
  });
  assert.equal(parseStrictJson('{"a":1,"\\u0061":2}').ok, false);
  assert.equal(parseStrictJson('{"o":{"a":1,"b":{"a":2},"a":3}}').ok, false);
  assert.equal(parseStrictJson('[{"a":1},{"a":1}]').ok, true, 'the same key in two objects is fine');
});

test('nesting beyond the limit and malformed text are refused', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.equal(parseStrictJson(deep(MAX_JSON_DEPTH)).ok, true);
  assert.deepEqual(parseStrictJson(deep(MAX_JSON_DEPTH + 1)), {
    ok: false,
    detail: `nested deeper than ${MAX_JSON_DEPTH}`,
  });
  for (const bad of ['{', '{"a":}', '{"a" 1}', '"unterminated', '']) {
    assert.equal(parseStrictJson(bad).ok, false, bad);
  }
});
