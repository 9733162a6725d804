// Tests the FreeRADIUS attribute-list tokenizer used for users-file check and reply items.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAttributeList } from '../../../src/directory/import/freeradius-attribute-list.js';

describe('freeradius-attribute-list', () => {
  it('splits items with every quoting style, operators and a trailing comma', () => {
    const result = parseAttributeList(`A := "x, \\"y\\"\\n", B=='lit\\eral', &C += bare-1.2, D =~ \`cmd\`,`);
    assert.ok(result.ok);
    assert.deepEqual(
      result.items.map(({ attribute, operator, value, quote }) => [attribute, operator, value, quote]),
      [
        ['A', ':=', 'x, "y"\n', '"'],
        ['B', '==', 'lit\\eral', "'"],
        ['C', '+=', 'bare-1.2', null],
        ['D', '=~', 'cmd', '`'],
      ],
    );
  });

  it('stops at a # comment outside quotes but not inside them', () => {
    const result = parseAttributeList('A := "a#b" # comment, B := c');
    assert.ok(result.ok);
    assert.deepEqual(
      result.items.map((item) => item.value),
      ['a#b'],
    );
  });

  it('returns no items for an empty or comment-only list', () => {
    assert.deepEqual(parseAttributeList('   '), { ok: true, items: [] });
    assert.deepEqual(parseAttributeList(' # only a comment'), { ok: true, items: [] });
  });

  it('reports 1-based columns, shifted by the offset, for items and errors', () => {
    const result = parseAttributeList('  A := 1', 10);
    assert.ok(result.ok);
    assert.equal(result.items[0]?.column, 13);
    assert.deepEqual(parseAttributeList('A 1', 10), {
      ok: false,
      column: 13,
      expected: 'an operator such as :=',
    });
  });

  const errors: Record<string, [string, string]> = {
    'missing operator': ['A "x"', 'an operator such as :='],
    'missing value': ['A :=', 'a value'],
    'unterminated string': ['A := "x', 'a value'],
    'missing comma': ['A := x B := y', 'a comma between items'],
    'not an attribute name': ['= x', 'an attribute name'],
  };
  for (const [name, [text, expected]] of Object.entries(errors)) {
    it(`refuses ${name}`, () => {
      const result = parseAttributeList(text);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.expected, expected);
    });
  }
});
