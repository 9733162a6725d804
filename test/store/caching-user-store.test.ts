import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserStore } from '../../src/domain/ports.js';
import type { User } from '../../src/domain/user.js';
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

test('complete, looking again on a miss: a user another process added is found at once; made-up names cost one look', () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  const store = new CachingUserStore(inner);
  store.load(inner.list());
  // Plays the change feed: other processes' commits not yet delivered, delivered by the look.
  const undelivered: string[] = [];
  let looks = 0;
  store.lookAgainOnMiss(() => {
    looks++;
    if (undelivered.length === 0) return false;
    for (const name of undelivered.splice(0)) store.refresh(name);
    return true;
  });
  assert.equal(store.getByName('alice')?.passwordHash, 'h1');
  assert.equal(looks, 0, 'a hit never looks');
  assert.equal(store.getByName('ghost'), undefined);
  assert.equal(looks, 1);
  inner.add({ name: 'bob', passwordHash: 'h2' });
  undelivered.push('bob');
  assert.equal(store.getByName('bob')?.passwordHash, 'h2', 'added a moment ago, found by this very login');
  assert.equal(looks, 2);
  assert.equal(store.getByName('bob')?.passwordHash, 'h2');
  assert.equal(looks, 2, 'then held');
  // Something else changed: the look says so, and the name is still no user.
  inner.add({ name: 'carol', passwordHash: 'h3' });
  undelivered.push('carol');
  assert.equal(store.getByName('ghost'), undefined);
  assert.equal(store.getByName('carol')?.passwordHash, 'h3', 'delivered by the look a made-up name made');
});

/**
 * The same store answering every call on a later turn of the event loop, as a database over the network does; what
 * a call reads is read when it is made, so an answer can arrive after a newer change.
 */
function later<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let answer: { value: unknown } | { error: unknown };
        try {
          answer = { value: value.apply(target, args) };
        } catch (error) {
          answer = { error };
        }
        return new Promise((resolve, reject) =>
          setImmediate(() => ('value' in answer ? resolve(answer.value) : reject(answer.error))),
        );
      };
    },
  });
}

test('over a store that answers with promises: one read per name at a time, kept, then served at once', async () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  let reads = 0;
  const lookup = inner.getByName.bind(inner);
  inner.getByName = (name) => {
    reads++;
    return lookup(name);
  };
  const store = new CachingUserStore(later(inner) as UserStore);
  const first = store.getByName('alice');
  const second = store.loginUser('alice');
  assert.ok(first instanceof Promise && second instanceof Promise);
  assert.equal((await first)?.passwordHash, 'h1');
  assert.equal((await second)?.user.passwordHash, 'h1');
  assert.equal(reads, 1, 'the second lookup joined the first read');
  const cached = store.getByName('alice');
  assert.ok(!(cached instanceof Promise), 'kept: answered from memory');
  assert.equal(cached?.passwordHash, 'h1');
  assert.equal(await store.getByName('ghost'), undefined);
  assert.equal(store.size, 1, 'unknown names are not kept');
});

test('over a store that answers with promises: a read that a change overtook answers, but is not kept', async () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  const store = new CachingUserStore(later(inner) as UserStore);
  const old = store.getByName('alice');
  // Another writer changes alice while the read is under way; the change feed says so before the read answers.
  inner.setPasswordHash('alice', 'h2');
  store.refresh('alice');
  assert.equal((await old)?.passwordHash, 'h1', 'the read answers what it read');
  const next = store.getByName('alice');
  assert.ok(next instanceof Promise, 'what it read was not kept');
  assert.equal((await next)?.passwordHash, 'h2');
  // A write through the cache is seen by the next lookup once it is done.
  assert.equal(await store.setStatus('alice', 'disabled'), true);
  assert.equal((await store.getByName('alice'))?.status, 'disabled');
});

test('over a store that answers with promises, complete: the old users answer until invalidateAll has the new list', async () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  const store = new CachingUserStore(later(inner) as UserStore);
  store.load(inner.list());
  inner.setPasswordHash('alice', 'h2');
  const reloading = store.invalidateAll();
  assert.ok(reloading instanceof Promise);
  assert.equal((store.getByName('alice') as User | undefined)?.passwordHash, 'h1', 'served while reloading');
  // Carol arrives after the list was read: the feed names her while the reload is under way.
  inner.add({ name: 'carol', passwordHash: 'h3' });
  store.refresh('carol');
  await reloading;
  assert.equal(store.isComplete, true);
  assert.equal((store.getByName('alice') as User | undefined)?.passwordHash, 'h2');
  assert.equal(
    (await store.getByName('carol'))?.passwordHash,
    'h3',
    'a change during the reload is read again',
  );
  assert.equal(store.getByName('nobody'), undefined, 'complete again: made-up names cost no read');
});

test('over a store that answers with promises: a reload that fails leaves the cache lazy, asking the store', async () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  const slow = later(inner) as UserStore;
  const store = new CachingUserStore({
    ...slow,
    getByName: (name) => slow.getByName(name),
    list: () => Promise.reject(new Error('connection lost')),
  } as UserStore);
  store.load(inner.list());
  await assert.rejects(Promise.resolve(store.invalidateAll()), /connection lost/);
  assert.equal(store.isComplete, false);
  inner.setPasswordHash('alice', 'h2');
  assert.equal((await store.getByName('alice'))?.passwordHash, 'h2', 'read from the store, not memory');
});

test('sharedName answers the held user name (the login index gives it to tokens), and the name itself otherwise', () => {
  const inner = new MemoryUserStore();
  inner.add({ name: 'alice', passwordHash: 'h1' });
  const store = new CachingUserStore(inner);
  store.load(inner.list());
  const typed = ['al', 'ice'].join('');
  assert.equal(store.sharedName(typed), 'alice');
  assert.equal(store.sharedName('nobody'), 'nobody');
  store.refresh('alice');
  assert.equal(store.sharedName(typed), 'alice', 'a user no longer held: the name as given');
});
