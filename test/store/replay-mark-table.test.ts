// The replay journal's in-memory marks: a flat table that must answer exactly as a Map of the newest marks would,
// through collisions, growth and clearing (SECURITY A6.4: a mark only moves forward).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ReplayMark, ReplayMarkTable } from '../../src/store/replay-mark-table.js';

const sorted = (marks: Map<number, ReplayMark>) => [...marks].sort((a, b) => a[0] - b[0]);

test('answers as a Map of the newest mark per token would, for any sequence of raises', () => {
  // Few distinct ids (so raises repeat), sequences, and the largest unsigned 32-bit ids.
  const tokenId = fc.oneof(
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 0, max: 8 }).map((k) => 7 + 1024 * k),
    fc.integer({ min: 0xffff_ff00, max: 0xffff_ffff }),
    fc.integer({ min: 0, max: 0xffff_ffff }),
  );
  const raise = fc.record({
    tokenId,
    lastUsed: fc.integer({ min: -1, max: 2_000_000_000 }),
    drift: fc.integer({ min: -3, max: 3 }),
  });
  fc.assert(
    fc.property(fc.array(raise, { maxLength: 3000 }), fc.nat({ max: 5000 }), (raises, expected) => {
      const table = new ReplayMarkTable(expected);
      const model = new Map<number, ReplayMark>();
      for (const { tokenId: id, lastUsed, drift } of raises) {
        table.raise(id, lastUsed, drift);
        const known = model.get(id);
        if (known === undefined || lastUsed > known.lastUsed) model.set(id, { lastUsed, drift });
      }
      assert.equal(table.size, model.size);
      assert.deepEqual(sorted(table.toMap()), sorted(model));
      for (const [id, mark] of model) assert.deepEqual(table.get(id), mark);
      assert.equal(table.get(41), model.get(41));
    }),
    { numRuns: 200 },
  );
});

test('grows past its reserved size without losing a mark, and reserve makes room ahead', () => {
  const table = new ReplayMarkTable();
  for (let id = 1; id <= 20_000; id++) table.raise(id * 3, id, id % 5);
  assert.equal(table.size, 20_000);
  for (let id = 1; id <= 20_000; id++) assert.deepEqual(table.get(id * 3), { lastUsed: id, drift: id % 5 });
  table.reserve(100_000);
  assert.deepEqual(table.get(60_000), { lastUsed: 20_000, drift: 0 });
  assert.equal(table.get(60_001), undefined);
});

test('an older or equal step never replaces a newer one; clear forgets every mark', () => {
  const table = new ReplayMarkTable();
  table.raise(5, 100, 1);
  table.raise(5, 99, 0);
  table.raise(5, 100, 2);
  assert.deepEqual(table.get(5), { lastUsed: 100, drift: 1 });
  table.raise(5, 101, -1);
  assert.deepEqual(table.get(5), { lastUsed: 101, drift: -1 });
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.get(5), undefined);
  table.raise(5, 3, 0);
  assert.deepEqual(table.get(5), { lastUsed: 3, drift: 0 }, 'after clear a mark starts again');
});

test('row ids in sequence, then newer ids, leave no long run of slots for a lookup to walk through', () => {
  // With the home slot at `id mod slots`, ids 1..300,000 would fill one run of 300,000 slots of the 524,288, and
  // each newer id past 524,288 would probe through it.
  const table = new ReplayMarkTable(300_000);
  for (let id = 1; id <= 300_000; id++) table.raise(id, id, 0);
  for (let id = 524_289; id <= 544_288; id++) table.raise(id, 1, 0);
  assert.equal(table.size, 320_000);
  assert.deepEqual(table.get(544_288), { lastUsed: 1, drift: 0 });
  assert.ok(table.longestRun() < 200, `longest run of occupied slots: ${table.longestRun()}`);
});
