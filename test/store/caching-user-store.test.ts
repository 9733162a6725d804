import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachingUserStore } from '../../src/store/caching-user-store.js';
import { MemoryUserStore } from '../../src/store/memory/memory-user-store.js';
import { runUserStoreConformance } from './user-store.conformance.js';

runUserStoreConformance(
  'caching over memory',
  (clock) => new CachingUserStore(new MemoryUserStore({ now: clock.now })),
);

test('serves repeated lookups from memory and sees changes made through it at once', () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  let reads = 0;
  const lookup = inner.getByName.bind(inner);
  inner.getByName = (name) => {
    reads++;
    return lookup(name);
  };
  const store = new CachingUserStore(inner);
  store.getByName('alice');
  store.getByName('alice');
  assert.equal(reads, 1);
  store.setStatus('alice', 'disabled');
  assert.equal(store.getByName('alice')?.status, 'disabled');
  assert.equal(reads, 2);
});

test('changes made behind its back appear after invalidateAll; unknown names are never cached', () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  const store = new CachingUserStore(inner, 2);
  store.getByName('alice');
  inner.setPasswordHash('alice', 'h2');
  assert.equal(store.getByName('alice')?.passwordHash, 'h1', 'stale until told');
  store.invalidateAll();
  assert.equal(store.getByName('alice')?.passwordHash, 'h2');
  for (let i = 0; i < 100; i++) store.getByName(`ghost${i}`);
  assert.equal(store.size, 1);
});
