import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachingUserStore } from '../../src/store/caching-user-store.js';
import { MemoryUserStore } from '../../src/store/memory/memory-user-store.js';
import { runUserStoreConformance } from './user-store.conformance.js';

runUserStoreConformance(
  'caching over memory',
  (clock) => new CachingUserStore(new MemoryUserStore({ now: clock.now })),
);
runUserStoreConformance('caching over memory, complete (the login index)', (clock) => {
  const store = new CachingUserStore(new MemoryUserStore({ now: clock.now }));
  store.load([]);
  return store;
});

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

test('complete (the login index): made-up names cost no read; a changed user is read again once', () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1', groups: ['staff'] });
  inner.add({ name: 'bob', passwordHash: 'h2', groups: ['staff'] });
  let reads = 0;
  const lookup = inner.getByName.bind(inner);
  inner.getByName = (name) => {
    reads++;
    return lookup(name);
  };
  const store = new CachingUserStore(inner, 1);
  store.load(inner.list());
  assert.equal(store.isComplete, true);
  assert.equal(store.getByName('alice')?.passwordHash, 'h1');
  assert.equal(store.getByName('bob')?.passwordHash, 'h2', 'maxEntries does not apply to the index');
  for (let i = 0; i < 100; i++) assert.equal(store.getByName(`ghost${i}`), undefined);
  assert.equal(reads, 0);
  assert.equal(
    store.getByName('alice')?.groups,
    store.getByName('bob')?.groups,
    'equal groups share one array',
  );
  assert.ok(Object.isFrozen(store.getByName('alice')) && Object.isFrozen(store.getByName('alice')?.groups));
  // Behind its back (another process): invisible until the change feed names the user.
  inner.setPasswordHash('alice', 'h3');
  inner.add({ name: 'carol', passwordHash: 'h4' });
  assert.equal(store.getByName('alice')?.passwordHash, 'h1');
  assert.equal(store.getByName('carol'), undefined);
  store.refresh('alice');
  store.refresh('carol');
  assert.equal(store.getByName('alice')?.passwordHash, 'h3');
  assert.equal(store.getByName('carol')?.passwordHash, 'h4');
  assert.equal(reads, 2);
  inner.remove('carol');
  store.refresh('carol');
  assert.equal(store.getByName('carol'), undefined);
  assert.equal(store.getByName('carol'), undefined);
  assert.equal(reads, 3, 'a removed user is read once, then known to be gone');
  // Writes through the store are seen at once.
  store.setStatus('bob', 'disabled');
  assert.equal(store.getByName('bob')?.status, 'disabled');
});
