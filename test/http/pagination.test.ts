// Cursor pagination of the REST API: no item repeats or goes missing across pages, even when the list changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageOf } from '../../src/http/api/pagination.js';

const names = ['a', 'b', 'c', 'd', 'e'];
const page = (list: string[], limit: number, after?: string) =>
  pageOf(
    list,
    { limit, ...(after === undefined ? {} : { after }) },
    (x) => x,
    (x) => x,
  );

test('pages walk the whole list once; the last page has next null', () => {
  const seen: string[] = [];
  let after: string | undefined;
  for (;;) {
    const p = page(names, 2, after);
    seen.push(...p.items);
    if (p.next === null) break;
    after = p.next;
  }
  assert.deepEqual(seen, names);
  assert.deepEqual(page(names, 5), { items: names, next: null });
  assert.deepEqual(page([], 5), { items: [], next: null });
});

test('a cursor is a key, not an offset: an item removed or added before it shifts nothing', () => {
  const first = page(names, 2);
  assert.deepEqual(first, { items: ['a', 'b'], next: 'b' });
  assert.deepEqual(page(['a', 'c', 'd', 'e'], 2, first.next!).items, ['c', 'd'], 'b removed');
  assert.deepEqual(page(['a', 'aa', 'b', 'c', 'd', 'e'], 2, first.next!).items, ['c', 'd'], 'aa added');
  assert.deepEqual(page(names, 2, 'zzz'), { items: [], next: null }, 'past the end');
  assert.deepEqual(page(names, 2, 'bb').items, ['c', 'd'], 'a cursor between keys');
});
