// Runs the OwnWayStore conformance suite in memory, on SQLite, and through the server's caching decorator over
// SQLite (whose token cache must not keep a removed token), plus SQLite's one unit against another connection.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { CachingOwnWayStore } from '../../src/store/caching-own-way-store.js';
import { CachingTokenStore } from '../../src/store/caching-token-store.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { MemoryTokenStore } from '../../src/store/memory/memory-token-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePushDeviceStore } from '../../src/store/sqlite/sqlite-push-device-store.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { SyncOwnWayStore } from '../../src/store/sync-own-way-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import type { FakeClock } from './fake-clock.js';
import { runOwnWayStoreConformance } from './own-way-store.conformance.js';

const sealer = createSealer(new Uint8Array(randomBytes(32)));

/** The SQLite stores as open-stores.ts builds them, on a new file. */
function sqlite(clock: FakeClock) {
  const path = join(scratchDir('assent-own-ways-'), 'assent.db');
  const db = openSqlite(path);
  const tokens = new SqliteTokenStore(db, sealer, { now: clock.now });
  const devices = new SqlitePushDeviceStore(db, sealer, { now: clock.now });
  const ways = new SyncOwnWayStore(tokens, devices, (fn) => db.transaction(fn).immediate());
  return { path, db, tokens, devices, ways };
}

runOwnWayStoreConformance('memory', (clock) => {
  const tokens = new MemoryTokenStore({ now: clock.now });
  const devices = new MemoryPushDeviceStore({ now: clock.now });
  return { ways: new SyncOwnWayStore(tokens, devices), tokens, devices };
});
runOwnWayStoreConformance('sqlite', (clock) => sqlite(clock));
// As cache-wiring.ts builds it: lazily read, and complete (every token loaded at start, the login index).
for (const complete of [false, true]) {
  runOwnWayStoreConformance(`caching over sqlite, ${complete ? 'complete' : 'lazy'}`, (clock) => {
    const { db, tokens, devices, ways } = sqlite(clock);
    const cache = new CachingTokenStore(tokens, (fn) => db.transaction(fn)());
    if (complete) cache.load([]);
    return { ways: new CachingOwnWayStore(ways, cache), tokens: cache, devices };
  });
}

test('SQLite: a removal is one IMMEDIATE transaction, so it waits for a writer on another connection and then counts what it wrote', () => {
  const { path, tokens, devices, ways } = sqlite({ now: () => new Date(), advance: () => {} });
  tokens.add({
    serial: 'T1',
    userName: 'amy',
    type: 'totp',
    secret: new Uint8Array(randomBytes(20)),
    algorithm: 'SHA1',
    digits: 6,
  });
  devices.add({
    id: 'ASNP00000001',
    userName: 'amy',
    publicKey: new Uint8Array(65).fill(4),
    delivery: { kind: 'poll' },
    label: 'phone',
  });
  const busy = openSqlite(path);
  busy.pragma('busy_timeout = 0');
  const waiting = new SyncOwnWayStore(
    new SqliteTokenStore(busy, sealer),
    new SqlitePushDeviceStore(busy, sealer),
    (fn) => busy.transaction(fn).immediate(),
  );
  // Another process (an `assent` command) holds the write lock: the removal cannot begin, rather than reading
  // two ways under a writer that is about to remove one.
  const other = openSqlite(path);
  other.exec('BEGIN IMMEDIATE');
  other.prepare("DELETE FROM push_devices WHERE id = 'ASNP00000001'").run();
  assert.throws(() => waiting.removeOwn('amy', 'T1', false), /busy|locked/i);
  other.exec('COMMIT');
  assert.equal(ways.removeOwn('amy', 'T1', false), 'last_device', 'it counts what the other committed');
  other.close();
  busy.close();
});
