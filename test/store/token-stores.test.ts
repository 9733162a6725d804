// Runs the TokenStore conformance suite on both adapters, plus SQLite-only checks: sealing at rest and a real
// two-thread race on the replay guard. This file is also the race's worker script (see the bottom).
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { CachingTokenStore } from '../../src/store/caching-token-store.js';
import { MemoryTokenStore } from '../../src/store/memory/memory-token-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import type { FakeClock } from './fake-clock.js';
import { runTokenStoreConformance } from './token-store.conformance.js';

interface RaceData {
  readonly path: string;
  readonly key: Uint8Array;
  readonly rounds: number;
  readonly start: Int32Array;
}

/** Worker side: claim steps with compare-and-set as fast as possible; report the steps this thread won. */
function raceWorker(data: RaceData): void {
  const db = openSqlite(data.path);
  const store = new SqliteTokenStore(db, createSealer(data.key));
  parentPort!.postMessage('ready');
  Atomics.wait(data.start, 0, 0); // both threads start together, once both are loaded
  const won: number[] = [];
  for (;;) {
    const expected = store.getBySerial('RACE')!.lastUsed;
    if (expected + 1 >= data.rounds) break;
    // Stands in for verifying the code: the window in which the other thread may claim the same step.
    for (let i = 0; i < 20; i++) createHmac('sha1', data.key).update(String(i)).digest();
    if (store.recordSuccess('RACE', { expectedLastUsed: expected, newLastUsed: expected + 1, drift: 0 })) {
      won.push(expected + 1);
    }
  }
  db.close();
  parentPort!.postMessage(won);
}

if (!isMainThread) {
  raceWorker(workerData as RaceData);
} else {
  const dirs: string[] = [];
  const open: Database.Database[] = [];
  after(() => {
    for (const db of open) if (db.open) db.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const tempDb = (): { dir: string; path: string; db: Database.Database } => {
    const dir = mkdtempSync(join(tmpdir(), 'assent-tokens-'));
    dirs.push(dir);
    const path = join(dir, 'assent.db');
    const db = openSqlite(path);
    open.push(db);
    return { dir, path, db };
  };

  // Node 20 does not carry tsx's loader hooks into workers: the entry registers them, then loads this file.
  const workerEntry = new URL(
    `data:text/javascript,${encodeURIComponent(
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); ` +
        `await import(${JSON.stringify(import.meta.url)});`,
    )}`,
  );
  const key = randomBytes(32);
  const sealer = createSealer(key);
  const seed = Buffer.from('Token-Seed-Marker-7f3a9c');
  const newToken = (serial: string) =>
    ({ serial, userName: 'alice', type: 'totp', secret: seed, algorithm: 'SHA1', digits: 6 }) as const;

  runTokenStoreConformance('memory', (clock) => new MemoryTokenStore({ now: clock.now }));
  runTokenStoreConformance(
    'sqlite',
    (clock) => new SqliteTokenStore(tempDb().db, sealer, { now: clock.now }),
  );
  // The server's decorator, read lazily and as the login index holds it (everything loaded at start).
  const caching = (clock: FakeClock, complete: boolean) => {
    const { db } = tempDb();
    const cache = new CachingTokenStore(new SqliteTokenStore(db, sealer, { now: clock.now }), (fn) =>
      db.transaction(fn)(),
    );
    if (complete) cache.load([]);
    return cache;
  };
  runTokenStoreConformance('caching over sqlite, lazy', (clock) => caching(clock, false));
  runTokenStoreConformance('caching over sqlite, complete', (clock) => caching(clock, true));

  describe('SqliteTokenStore at rest and across connections', () => {
    test('the database files never hold the clear seed; the column holds a v1 sealed value', () => {
      const { dir, db } = tempDb();
      new SqliteTokenStore(db, sealer).add(newToken('S1'));
      const column = db.prepare('SELECT secret_sealed FROM tokens').pluck().get() as string;
      assert.match(column, /^v1\./);
      db.pragma('wal_checkpoint(FULL)');
      for (const file of readdirSync(dir)) {
        assert.equal(readFileSync(join(dir, file)).includes(seed), false, `clear seed found in ${file}`);
      }
    });

    test('a sealed seed copied to another token does not open (AAD token:<serial>:secret, A9.1)', () => {
      const { db } = tempDb();
      const store = new SqliteTokenStore(db, sealer);
      store.add(newToken('S1'));
      store.add({ ...newToken('S2'), userName: 'bob' });
      db.prepare(
        "UPDATE tokens SET secret_sealed = (SELECT secret_sealed FROM tokens WHERE serial = 'S1') WHERE serial = 'S2'",
      ).run();
      assert.ok(store.getBySerial('S1'));
      assert.throws(
        () => store.getBySerial('S2'),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.Unavailable,
      );
    });

    test('two connections with the same expected value: exactly one recordSuccess wins', () => {
      const { path, db } = tempDb();
      const other = openSqlite(path);
      open.push(other);
      const a = new SqliteTokenStore(db, sealer);
      const b = new SqliteTokenStore(other, sealer);
      a.add(newToken('S1'));
      const cas = { expectedLastUsed: -1, newLastUsed: 7, drift: 0 };
      assert.deepEqual([b.recordSuccess('S1', cas), a.recordSuccess('S1', cas)], [true, false]);
      assert.equal(a.getBySerial('S1')?.lastUsed, 7);
    });

    test('two threads racing on their own connections never both accept the same step (A6.4)', async () => {
      const { path, db } = tempDb();
      new SqliteTokenStore(db, sealer).add(newToken('RACE'));
      const rounds = 2000;
      const start = new Int32Array(new SharedArrayBuffer(4));
      const workers = [0, 1].map(() => new Worker(workerEntry, { workerData: { path, key, rounds, start } }));
      const next = (worker: Worker) =>
        new Promise<unknown>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
      await Promise.all(workers.map(next)); // 'ready'
      const results = workers.map(next);
      Atomics.store(start, 0, 1);
      Atomics.notify(start, 0);
      const [first, second] = (await Promise.all(results)) as number[][];
      const all = [...first!, ...second!].sort((x, y) => x - y);
      assert.deepEqual(
        all,
        Array.from({ length: rounds }, (_, i) => i),
        'every step won exactly once',
      );
    });
  });
}
