// The server's token cache with group commit: memory compare-and-set, one transaction per tick, the database's
// verdict wins over memory, and a failed commit accepts nothing (SECURITY A6.4).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TokenStore } from '../../src/domain/token.js';
import { CachingTokenStore } from '../../src/store/caching-token-store.js';
import { ReplayJournal } from '../../src/store/replay-journal.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { sqliteHolderQueries } from '../../src/store/sqlite/sqlite-holder-queries.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { TokenHolders } from '../../src/store/token-holders.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'assent-ctok-'));
  dirs.push(dir);
  const path = join(dir, 'assent.db');
  const key = randomBytes(32);
  const db = openSqlite(path);
  const inner = new SqliteTokenStore(db, createSealer(key));
  let transactions = 0;
  const cache = new CachingTokenStore(inner, (fn) => {
    transactions++;
    db.transaction(fn)();
  });
  for (const user of ['alice', 'bob']) {
    inner.add({
      serial: `S-${user}`,
      userName: user,
      type: 'totp',
      secret: randomBytes(20),
      algorithm: 'SHA1',
      digits: 6,
    });
  }
  const other = new SqliteTokenStore(openSqlite(path), createSealer(key));
  return { db, inner, cache, other, transactions: () => transactions };
}

test('reads are served from memory after the first one', () => {
  const { cache, db } = setup();
  const first = cache.listForUser('alice');
  db.prepare("UPDATE tokens SET label = 'changed' WHERE serial = 'S-alice'").run();
  assert.equal(cache.listForUser('alice'), first);
  cache.invalidateAll();
  assert.equal(cache.listForUser('alice')[0]?.label, 'changed');
});

test('a rename through the cache is stored and read back at once (the cached user is dropped)', () => {
  const { cache, inner } = setup();
  assert.equal(cache.listForUser('alice')[0]?.label, '');
  assert.equal(cache.setLabel('S-alice', 'work phone'), true);
  assert.equal(inner.getBySerial('S-alice')?.label, 'work phone');
  assert.equal(cache.listForUser('alice')[0]?.label, 'work phone');
  assert.equal(cache.setLabel('S-nobody', 'x'), false);
});

test('successes of one tick commit in one transaction, and each caller gets the verdict', async () => {
  const { cache, inner, transactions } = setup();
  cache.listForUser('alice');
  cache.listForUser('bob');
  const a = cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 });
  const b = cache.recordSuccessBatched('S-bob', { expectedLastUsed: -1, newLastUsed: 11, drift: 1 });
  assert.ok(a instanceof Promise && b instanceof Promise);
  assert.equal(inner.getBySerial('S-alice')?.lastUsed, -1, 'nothing is durable before the commit');
  assert.deepEqual(await Promise.all([a, b]), [true, true]);
  assert.equal(transactions(), 1);
  assert.equal(inner.getBySerial('S-alice')?.lastUsed, 10);
  assert.equal(inner.getBySerial('S-bob')?.drift, 1);
  assert.equal(cache.listForUser('alice')[0]?.lastUsed, 10, 'memory moved too');
});

test('memory refuses a second use at once, before any commit', () => {
  const { cache } = setup();
  cache.listForUser('alice');
  assert.ok(cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 }));
  assert.equal(
    cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 }),
    false,
  );
  assert.equal(
    cache.recordSuccessBatched('S-alice', { expectedLastUsed: 10, newLastUsed: 10, drift: 0 }),
    false,
  );
});

test('another writer that got there first wins in the database; memory is dropped for that user', async () => {
  const { cache, other } = setup();
  cache.listForUser('alice');
  const mine = cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 });
  assert.equal(other.recordSuccess('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 }), true);
  assert.equal(await mine, false);
  assert.equal(cache.listForUser('alice')[0]?.lastUsed, 10, 'reloaded from the database');
});

test('a failing commit rejects every caller of the batch: nothing is accepted', async () => {
  const { cache } = setup();
  const broken = new CachingTokenStore(
    { ...Object.create(null), listForUser: (u: string) => cache.listForUser(u) } as never,
    () => {
      throw new Error('disk full');
    },
  );
  broken.listForUser('alice');
  const pending = broken.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 });
  await assert.rejects(pending as Promise<boolean>, /disk full/);
});

test('cached code lengths match the token-holder index: distinct, oldest token first, backup codes as 10 digits', async () => {
  const { cache, inner, db } = setup();
  inner.add({
    serial: 'S-alice-8',
    userName: 'alice',
    type: 'totp',
    secret: randomBytes(20),
    algorithm: 'SHA1',
    digits: 8,
  });
  inner.add({
    serial: 'S-alice-b',
    userName: 'alice',
    type: 'backup',
    secret: randomBytes(20),
    algorithm: 'SHA1',
    digits: 6,
  });
  inner.add({
    serial: 'S-alice-6',
    userName: 'alice',
    type: 'hotp',
    secret: randomBytes(20),
    algorithm: 'SHA1',
    digits: 6,
  });
  assert.equal(cache.cachedCodeLengths('alice'), undefined, 'not cached before the first list');
  cache.listForUser('alice');
  const holders = new TokenHolders(sqliteHolderQueries(db));
  await holders.refresh();
  const fromIndex = holders.codeLengthsOf('alice');
  assert.deepEqual(fromIndex, [6, 8, 10]);
  assert.deepEqual(cache.cachedCodeLengths('alice'), fromIndex);
  assert.equal(cache.cachedCodeLengths('carol'), undefined);
});

test('a change made through the cache is seen by the next read of the same user, also right after a lookup', () => {
  const { cache } = setup();
  assert.equal(cache.listForUser('alice').length, 1);
  assert.deepEqual(cache.cachedCodeLengths('alice'), [6]);
  cache.add({
    serial: 'S-alice-2',
    userName: 'alice',
    type: 'totp',
    secret: randomBytes(20),
    algorithm: 'SHA1',
    digits: 8,
  });
  assert.equal(cache.listForUser('alice').length, 2);
  assert.deepEqual(cache.cachedCodeLengths('alice'), [6, 8]);
  cache.remove('S-alice-2');
  assert.equal(cache.listForUser('alice').length, 1);
});

test('with a journal, the successes of one turn share one durable verdict, and a failed sync fails them all closed', async () => {
  const { inner, db } = setup();
  const dir = mkdtempSync(join(tmpdir(), 'assent-ctok-j-'));
  dirs.push(dir);
  const journal = ReplayJournal.open(join(dir, 'assent.db.replay'));
  const cache = new CachingTokenStore(inner, (fn) => db.transaction(fn)(), journal);
  cache.listForUser('alice');
  cache.listForUser('bob');
  const a = cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 });
  const b = cache.recordSuccessBatched('S-bob', { expectedLastUsed: -1, newLastUsed: 11, drift: 0 });
  assert.ok(a instanceof Promise && b instanceof Promise);
  assert.deepEqual(await Promise.all([a, b]), [true, true]);
  assert.deepEqual(journal.all.get(inner.getBySerial('S-alice')!.id), { lastUsed: 10, drift: 0 });

  // The file goes away under the journal: the next batch cannot be written, so nobody of it is accepted.
  journal.close();
  const c = cache.recordSuccessBatched('S-alice', { expectedLastUsed: 10, newLastUsed: 20, drift: 0 });
  const d = cache.recordSuccessBatched('S-bob', { expectedLastUsed: 11, newLastUsed: 21, drift: 0 });
  await assert.rejects(c as Promise<boolean>);
  await assert.rejects(d as Promise<boolean>);
  assert.equal(cache.cachedCodeLengths('alice'), undefined, 'memory of a failed batch is dropped');
});

test('complete (the login index): every token from memory, a user without one answered without a query', () => {
  const { cache, inner, other } = setup();
  let reads = 0;
  const read = inner.listForUser.bind(inner);
  inner.listForUser = (name) => {
    reads++;
    return read(name);
  };
  cache.load(inner.list());
  assert.equal(cache.isComplete, true);
  assert.equal(cache.listForUser('alice')[0]?.serial, 'S-alice');
  assert.deepEqual(cache.listForUser('nobody'), []);
  assert.deepEqual(cache.cachedCodeLengths('bob'), [6]);
  assert.equal(reads, 0);
  // Another writer adds carol's token: invisible until the change feed names her, then read once.
  other.add({
    serial: 'S-carol',
    userName: 'carol',
    type: 'totp',
    secret: randomBytes(20),
    algorithm: 'SHA1',
    digits: 8,
  });
  assert.deepEqual(cache.listForUser('carol'), []);
  cache.refreshUser('carol');
  assert.equal(cache.listForUser('carol')[0]?.digits, 8);
  assert.equal(cache.listForUser('carol')[0]?.digits, 8);
  assert.equal(reads, 1);
  // A removal reaches memory the same way.
  other.remove('S-bob');
  cache.refreshUser('bob');
  assert.deepEqual(cache.listForUser('bob'), []);
  assert.deepEqual(cache.listForUser('bob'), []);
  assert.equal(reads, 2, 'a user read again and found empty is not read a second time');
});

test('complete: tokens loaded at start are raised to the replay journal marks (A6.4: only forward)', () => {
  const { inner, db } = setup();
  const dir = mkdtempSync(join(tmpdir(), 'assent-ctok-j-'));
  dirs.push(dir);
  const journal = ReplayJournal.open(join(dir, 'replay'), 0);
  const id = inner.getBySerial('S-alice')!.id;
  journal.raise(id, 99, 1);
  const cache = new CachingTokenStore(inner, (fn) => db.transaction(fn)(), journal);
  cache.load(inner.list());
  assert.equal(cache.listForUser('alice')[0]?.lastUsed, 99);
  assert.equal(
    cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 50, drift: 0 }),
    false,
    'a step at or below the journal mark is a replay',
  );
  journal.close();
});

/**
 * The same store answering every call on a later turn of the event loop, as a database over the network does; what
 * a call reads or writes is done when it is made, so an answer can arrive after a newer change.
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

test('over a store that answers with promises: a read is kept unless a change overtook it', async () => {
  const { inner } = setup();
  const cache = new CachingTokenStore(later(inner) as TokenStore, (fn) => fn());
  const first = cache.listForUser('alice');
  assert.ok(first instanceof Promise);
  assert.equal(cache.listForUser('alice'), first, 'a second read joins the first');
  assert.equal((await first)[0]?.label, '');
  assert.ok(!(cache.listForUser('alice') instanceof Promise), 'kept: answered from memory');
  cache.refreshUser('alice');
  const old = cache.listForUser('alice');
  inner.setLabel('S-alice', 'renamed');
  cache.refreshUser('alice');
  assert.equal((await old)[0]?.label, '', 'the read answers what it read');
  const next = cache.listForUser('alice');
  assert.ok(next instanceof Promise, 'what it read was not kept');
  assert.equal((await next)[0]?.label, 'renamed');
});

test('over a store that answers with promises: a batch is answered when all of it is; one failure fails it all', async () => {
  const { inner } = setup();
  const slow = later(inner) as TokenStore;
  let failing = false;
  const store: TokenStore = {
    ...slow,
    listForUser: (name) => slow.listForUser(name),
    recordSuccess: (serial, success) =>
      failing && serial === 'S-bob'
        ? Promise.reject(new Error('connection lost'))
        : slow.recordSuccess(serial, success),
  };
  const cache = new CachingTokenStore(store, (fn) => fn());
  await cache.listForUser('alice');
  await cache.listForUser('bob');
  const a = cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 });
  const b = cache.recordSuccessBatched('S-bob', { expectedLastUsed: -1, newLastUsed: 11, drift: 0 });
  assert.deepEqual(await Promise.all([a, b]), [true, true]);
  assert.equal(inner.getBySerial('S-bob')?.lastUsed, 11);
  failing = true;
  const c = cache.recordSuccessBatched('S-alice', { expectedLastUsed: 10, newLastUsed: 20, drift: 0 });
  const d = cache.recordSuccessBatched('S-bob', { expectedLastUsed: 11, newLastUsed: 21, drift: 0 });
  await assert.rejects(c as Promise<boolean>, /connection lost/);
  await assert.rejects(d as Promise<boolean>, /connection lost/);
  assert.equal(inner.getBySerial('S-alice')?.lastUsed, 20, 'its own write was done before the batch failed');
  assert.equal(cache.cachedCodeLengths('alice'), undefined, 'memory of a failed batch is dropped');
});

test('over a store that takes a batch at once: one call per flush; a refusal is re-checked, then dropped', async () => {
  const { inner } = setup();
  const slow = later(inner) as TokenStore;
  const calls: string[][] = [];
  const store: TokenStore = {
    ...slow,
    listForUser: (name) => slow.listForUser(name),
    getBySerial: (serial) => slow.getBySerial(serial),
    recordSuccess: (serial, success) => slow.recordSuccess(serial, success),
    recordSuccesses: async (items) => {
      calls.push(items.map((item) => item.serial));
      return items.map((item) => inner.recordSuccess(item.serial, item.success));
    },
  };
  const cache = new CachingTokenStore(store, (fn) => fn());
  await cache.listForUser('alice');
  await cache.listForUser('bob');
  // Another node moved bob's token past this node's memory, to a step AFTER the one bob types here: refused.
  inner.recordSuccess('S-bob', { expectedLastUsed: -1, newLastUsed: 50, drift: 0 });
  const a = cache.recordSuccessBatched('S-alice', { expectedLastUsed: -1, newLastUsed: 10, drift: 0 });
  const b = cache.recordSuccessBatched('S-bob', { expectedLastUsed: -1, newLastUsed: 11, drift: 0 });
  assert.deepEqual(await Promise.all([a, b]), [true, false]);
  assert.deepEqual(calls, [['S-alice', 'S-bob']], 'one call for the batch');
  assert.equal(cache.cachedCodeLengths('bob'), undefined, "bob's memory was stale: dropped");
  // Behind, but the code is newer than what the database holds: the re-check accepts it (one more statement).
  inner.recordSuccess('S-alice', { expectedLastUsed: 10, newLastUsed: 15, drift: 0 });
  await cache.listForUser('bob');
  const c = cache.recordSuccessBatched('S-alice', { expectedLastUsed: 10, newLastUsed: 20, drift: 0 });
  const d = cache.recordSuccessBatched('S-bob', { expectedLastUsed: 50, newLastUsed: 60, drift: 0 });
  assert.deepEqual(await Promise.all([c, d]), [true, true]);
  assert.equal(inner.getBySerial('S-alice')?.lastUsed, 20);
  assert.equal(calls.length, 2);
});
