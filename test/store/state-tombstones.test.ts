// The ring of finished States: recognised while remembered, forgotten by age and by capacity, never confused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateTombstones } from '../../src/store/memory/state-tombstones.js';

const stateOf = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (n * 31 + i * 7) & 255);

test('a finished State is recognised on all 16 octets until its lifetime ends', () => {
  const ring = new StateTombstones(4, 1000, 16);
  const state = stateOf(1);
  ring.add(7, state, 100);
  assert.equal(ring.wasUsed(7, state, 100), true);
  assert.equal(ring.wasUsed(7, state, 1099), true);
  assert.equal(ring.wasUsed(7, state, 1100), false, 'past the lifetime');
  for (const index of [0, 8, 15]) {
    const other = Uint8Array.from(state);
    other[index]! ^= 1;
    assert.equal(ring.wasUsed(7, other, 200), false, `octet ${index} differs`);
  }
  assert.equal(ring.wasUsed(8, state, 200), false, 'another key');
  assert.equal(ring.wasUsed(7, state.subarray(0, 15), 200), false, 'a short State');
});

test('at capacity the oldest State is forgotten first, and its key is free again', () => {
  const ring = new StateTombstones(3, 60_000, 16);
  for (let i = 0; i < 5; i++) ring.add(i, stateOf(i), i);
  assert.equal(ring.size, 3);
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((i) => ring.has(i)),
    [false, false, true, true, true],
  );
  assert.equal(ring.wasUsed(4, stateOf(4), 10), true);
  assert.equal(ring.wasUsed(1, stateOf(1), 10), false);
});

test('sweep forgets by age in ring order and stops at the first young State', () => {
  const ring = new StateTombstones(10, 100, 16);
  ring.add(1, stateOf(1), 0);
  ring.add(2, stateOf(2), 50);
  ring.add(3, stateOf(3), 90);
  ring.sweep(140);
  assert.equal(ring.size, 2);
  assert.equal(ring.has(1), false);
  assert.equal(ring.has(2), true);
  ring.sweep(1000);
  assert.equal(ring.size, 0);
  ring.add(4, stateOf(4), 1000);
  assert.equal(ring.wasUsed(4, stateOf(4), 1000), true, 'the ring keeps working after it emptied');
});

test('a key reused after it was forgotten names only the newer State', () => {
  const ring = new StateTombstones(2, 60_000, 16);
  ring.add(5, stateOf(1), 0);
  ring.add(6, stateOf(2), 1);
  ring.add(5, stateOf(3), 2); // slot of key 5 (the oldest) is dropped first, then key 5 is written again
  assert.equal(ring.wasUsed(5, stateOf(3), 3), true);
  assert.equal(ring.wasUsed(5, stateOf(1), 3), false);
  ring.add(7, stateOf(4), 4); // drops key 6's slot; key 5's newer slot stays
  assert.equal(ring.has(6), false);
  assert.equal(ring.wasUsed(5, stateOf(3), 5), true);
});

test('wrapping many times around a small ring stays consistent with a plain model', () => {
  const ring = new StateTombstones(7, 50, 16);
  const model: { key: number; at: number }[] = [];
  let now = 0;
  for (let i = 0; i < 2000; i++) {
    now += (i * 13) % 9;
    const key = (i * 37) % 11;
    if (ring.has(key)) continue;
    ring.add(key, stateOf(i), now);
    model.push({ key, at: now });
    while (model.length > 7) model.shift();
    if (i % 5 === 0) {
      ring.sweep(now);
      while (model.length > 0 && now - model[0]!.at >= 50) model.shift();
    }
    assert.equal(ring.size, model.length);
    for (let k = 0; k < 11; k++)
      assert.equal(
        ring.has(k),
        model.some((m) => m.key === k),
        `key ${k} at ${i}`,
      );
  }
});

test('capacity must be a positive integer; a State must be 16 octets', () => {
  assert.throws(() => new StateTombstones(0, 1, 16), RangeError);
  assert.throws(() => new StateTombstones(1, 1, 16).add(1, new Uint8Array(15), 0), RangeError);
});
