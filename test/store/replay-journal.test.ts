// The replay-guard journal: durable appends, newest mark wins, torn tails ignored, atomic rewrite; and the server's
// token cache using it: Accepts recorded in the journal, tokens read back raised to it (SECURITY A6.4).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { ConfigSchema } from '../../src/config/config-schema.js';
import { CachingTokenStore } from '../../src/store/caching-token-store.js';
import {
  MIN_SYNC_INTERVAL_MS,
  RECORD_OCTETS,
  ReplayJournal,
  readMarks,
} from '../../src/store/replay-journal.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
/** A journal's marks as [id, mark] pairs in id order (the table keeps no order). */
const byId = <T>(marks: Map<number, T>) => [...marks].sort((a, b) => a[0] - b[0]);
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'assent-journal-'));
  dirs.push(dir);
  return dir;
};

test('appended marks survive a reopen; the newest step of each token wins, never an older one', () => {
  const path = join(tempDir(), 'j');
  const journal = ReplayJournal.open(path);
  journal.append([
    { tokenId: 1, lastUsed: 100, drift: 0 },
    { tokenId: 2, lastUsed: 7, drift: -1 },
  ]);
  journal.append([
    { tokenId: 1, lastUsed: 101, drift: 1 },
    { tokenId: 1, lastUsed: 99, drift: 0 },
  ]);
  assert.equal(journal.size(), 4 * RECORD_OCTETS);
  journal.close();
  const again = ReplayJournal.open(path);
  assert.deepEqual(byId(again.all), [
    [1, { lastUsed: 101, drift: 1 }],
    [2, { lastUsed: 7, drift: -1 }],
  ]);
  again.close();
});

test('a torn or damaged tail (a crash during a write) is ignored: what was acknowledged stays', () => {
  const path = join(tempDir(), 'j');
  const journal = ReplayJournal.open(path);
  journal.append([{ tokenId: 5, lastUsed: 1_700_000_000, drift: 0 }]);
  journal.close();
  appendFileSync(path, Buffer.from([0, 0, 0, 5, 1, 2, 3]));
  assert.deepEqual([...ReplayJournal.open(path).all], [[5, { lastUsed: 1_700_000_000, drift: 0 }]]);
  const bytes = readFileSync(path);
  bytes[3] = (bytes[3] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
  assert.equal(readMarks(readFileSync(path)).size, 0, 'a record failing its CRC is not trusted');
});

test('forgetFolded empties the file and the marks atomically; later appends start the new file', () => {
  const path = join(tempDir(), 'j');
  const journal = ReplayJournal.open(path);
  journal.append([{ tokenId: 1, lastUsed: 3, drift: 0 }]);
  journal.forgetFolded();
  assert.equal(journal.size(), 0);
  assert.equal(journal.all.size, 0);
  journal.append([{ tokenId: 9, lastUsed: 4, drift: 0 }]);
  journal.close();
  assert.deepEqual([...ReplayJournal.open(path).all.keys()], [9]);
});

test('a file mostly of superseded records is rewritten to the newest marks alone', () => {
  const path = join(tempDir(), 'j');
  const journal = ReplayJournal.open(path);
  const uses = 70_000;
  journal.append(
    Array.from({ length: uses }, (_, i) => ({ tokenId: 1 + (i % 3), lastUsed: i, drift: i % 2 })),
  );
  assert.equal(journal.size(), 3 * RECORD_OCTETS, 'compacted after the append');
  journal.append([{ tokenId: 4, lastUsed: 1, drift: 0 }]);
  journal.close();
  assert.deepEqual(byId(ReplayJournal.open(path).all), [
    [1, { lastUsed: uses - 1, drift: 1 }],
    [2, { lastUsed: uses - 3, drift: 1 }],
    [3, { lastUsed: uses - 2, drift: 0 }],
    [4, { lastUsed: 1, drift: 0 }],
  ]);
});

function tokenSetup() {
  const dir = tempDir();
  const db = openSqlite(join(dir, 'assent.db'));
  const inner = new SqliteTokenStore(db, createSealer(randomBytes(32)));
  const token = inner.add({
    serial: 'S1',
    userName: 'alice',
    type: 'totp',
    secret: randomBytes(20),
    algorithm: 'SHA1',
    digits: 6,
  });
  const journalPath = join(dir, 'assent.db.replay');
  return { db, inner, token, journalPath };
}

test('with a journal an Accepted step goes to the journal, not the token table, and is durable before the verdict', async () => {
  const { db, inner, journalPath } = tokenSetup();
  const journal = ReplayJournal.open(journalPath);
  const cache = new CachingTokenStore(inner, (fn) => db.transaction(fn)(), journal);
  cache.listForUser('alice');
  const verdict = cache.recordSuccessBatched('S1', { expectedLastUsed: -1, newLastUsed: 500, drift: 1 });
  assert.equal(await verdict, true);
  assert.equal(inner.getBySerial('S1')?.lastUsed, -1, 'the table is not written per login');
  assert.deepEqual(ReplayJournal.open(journalPath).all.get(inner.getBySerial('S1')!.id), {
    lastUsed: 500,
    drift: 1,
  });
});

test('after a crash (journal not folded), tokens read back are raised to the journal; folding moves the table forward only', () => {
  const { db, inner, token, journalPath } = tokenSetup();
  const crashed = ReplayJournal.open(journalPath);
  crashed.append([{ tokenId: token.id, lastUsed: 800, drift: 2 }]);
  // No close, no fold: the process died here.
  const journal = ReplayJournal.open(journalPath);
  const cache = new CachingTokenStore(inner, (fn) => db.transaction(fn)(), journal);
  assert.equal(cache.listForUser('alice')[0]?.lastUsed, 800);
  assert.equal(cache.recordSuccessBatched('S1', { expectedLastUsed: -1, newLastUsed: 800, drift: 0 }), false);
  assert.equal(inner.applyReplayMarks(journal.all), 1);
  assert.equal(inner.getBySerial('S1')?.lastUsed, 800);
  assert.equal(
    inner.applyReplayMarks(new Map([[token.id, { lastUsed: 10, drift: 0 }]])),
    0,
    'never backwards',
  );
  assert.equal(inner.getBySerial('S1')?.lastUsed, 800);
});

test('appends that arrive within MIN_SYNC_INTERVAL_MS of a sync share the next one; each is durable before its verdict', async () => {
  const path = join(tempDir(), 'assent.db.replay');
  const journal = ReplayJournal.open(path);
  const order: string[] = [];
  const durable = (id: number) =>
    new Promise<void>((resolve, reject) => {
      journal.appendDurable([{ tokenId: id, lastUsed: 10 + id, drift: 0 }], (error) => {
        if (error !== null) return reject(error);
        // Read back by a second handle: what is acknowledged is in the file.
        assert.equal(ReplayJournal.open(path).all.get(id)?.lastUsed, 10 + id);
        order.push(`done ${id}`);
        resolve();
      });
    });
  const first = durable(1);
  const started = performance.now();
  await first;
  await Promise.all([durable(2), durable(3)]);
  assert.ok(
    performance.now() - started >= MIN_SYNC_INTERVAL_MS - 0.5,
    'the second group waited for the interval',
  );
  assert.deepEqual(order, ['done 1', 'done 2', 'done 3']);
  journal.close();
});

test("storage.replaySyncMs defaults to the journal's own default", () => {
  assert.equal(
    (ConfigSchema.properties.storage.properties.replaySyncMs as { default?: number }).default,
    MIN_SYNC_INTERVAL_MS,
  );
});

test('storage.replaySyncMs sets the interval: a group that arrives during a sync waits that long after its start', async () => {
  const path = join(tempDir(), 'assent.db.replay');
  const journal = ReplayJournal.open(path, 25);
  const durable = (id: number) =>
    new Promise<number>((resolve, reject) => {
      journal.appendDurable([{ tokenId: id, lastUsed: id, drift: 0 }], (error) =>
        error === null ? resolve(performance.now()) : reject(error),
      );
    });
  const started = performance.now();
  const first = durable(1);
  const second = durable(2);
  const [firstDone, secondDone] = await Promise.all([first, second]);
  assert.ok(secondDone - started >= 24.5, `the second group waited ${secondDone - started} ms, not 25`);
  assert.ok(firstDone <= secondDone);
  journal.close();
});

test('settleNow writes and syncs what waits for the interval, so a fold or a stop never misses it', () => {
  const path = join(tempDir(), 'assent.db.replay');
  const journal = ReplayJournal.open(path);
  const verdicts: (Error | null)[] = [];
  journal.appendDurable([{ tokenId: 1, lastUsed: 5, drift: 0 }], (error) => verdicts.push(error));
  // The first group started a sync in the pool; the second waits for the interval.
  journal.appendDurable([{ tokenId: 2, lastUsed: 6, drift: 0 }], (error) => verdicts.push(error));
  assert.equal(journal.all.get(2), undefined, 'not written yet');
  journal.settleNow();
  assert.deepEqual(verdicts, [null]);
  assert.deepEqual(journal.all.get(2), { lastUsed: 6, drift: 0 });
  assert.deepEqual(ReplayJournal.open(path).all.get(2), { lastUsed: 6, drift: 0 });
  journal.close();
});

test('a use waiting for its sync cannot be replayed through a reload: the cache dropped, the journal mark holds', async () => {
  const { db, inner, journalPath } = tokenSetup();
  const journal = ReplayJournal.open(journalPath);
  const cache = new CachingTokenStore(inner, (fn) => db.transaction(fn)(), journal);
  cache.listForUser('alice');
  const first = cache.recordSuccessBatched('S1', { expectedLastUsed: -1, newLastUsed: 900, drift: 0 });
  // Another process wrote to the database before the batch was flushed: every cached token is dropped.
  cache.invalidateAll();
  assert.equal(cache.listForUser('alice')[0]?.lastUsed, 900, 'read back raised to the use not yet synced');
  assert.equal(cache.recordSuccessBatched('S1', { expectedLastUsed: -1, newLastUsed: 900, drift: 0 }), false);
  assert.equal(await first, true);
  journal.close();
});
