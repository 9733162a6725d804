// Runs the AccountLockoutStore conformance suite on both adapters, plus SQLite-only checks: the counter is shared
// by two connections (two server processes on one database) and survives a reopen.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import { CachingLockoutStore } from '../../src/store/caching-lockout-store.js';
import { MemoryAccountLockoutStore } from '../../src/store/memory/memory-account-lockout-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteAccountLockoutStore } from '../../src/store/sqlite/sqlite-account-lockout-store.js';
import { runAccountLockoutStoreConformance } from './account-lockout-store.conformance.js';

const dirs: string[] = [];
const open: Database.Database[] = [];
after(() => {
  for (const db of open) if (db.open) db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-lockouts-'));
  dirs.push(dir);
  return join(dir, 'assent.db');
}

function openDb(path: string): Database.Database {
  const db = openSqlite(path);
  open.push(db);
  return db;
}

runAccountLockoutStoreConformance('memory', () => new MemoryAccountLockoutStore());
runAccountLockoutStoreConformance('sqlite', () => new SqliteAccountLockoutStore(openDb(tempPath())));
runAccountLockoutStoreConformance(
  'sqlite behind the server cache',
  () => new CachingLockoutStore(new SqliteAccountLockoutStore(openDb(tempPath()))),
);

describe('SqliteAccountLockoutStore across connections', () => {
  const now = new Date('2025-01-02T03:04:05.000Z');

  test('failures from two connections add up: none is lost between a read and a write (A6.5)', () => {
    const path = tempPath();
    const a = new SqliteAccountLockoutStore(openDb(path));
    const b = new SqliteAccountLockoutStore(openDb(path));
    const counts: number[] = [];
    for (let i = 0; i < 50; i++) counts.push((i % 2 === 0 ? a : b).recordFailure('alice', now));
    assert.deepEqual(
      counts,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.equal(a.get('alice')?.failures, 50);
  });

  test('a lock survives closing and reopening the database', () => {
    const path = tempPath();
    const db = openDb(path);
    new SqliteAccountLockoutStore(db).lock('alice', '2025-01-02T03:09:05.000Z');
    db.close();
    const again = new SqliteAccountLockoutStore(openDb(path));
    assert.deepEqual(again.get('alice'), {
      userName: 'alice',
      failures: 0,
      lockedUntil: '2025-01-02T03:09:05.000Z',
      locks: 1,
    });
  });

  test('the schema refuses negative counters (STRICT table with CHECKs)', () => {
    const db = openDb(tempPath());
    assert.throws(() =>
      db.prepare("INSERT INTO account_lockouts (user_name, failures, locks) VALUES ('x', -1, 0)").run(),
    );
    assert.throws(() =>
      db.prepare("INSERT INTO account_lockouts (user_name, failures, locks) VALUES ('x', 'many', 0)").run(),
    );
  });
});
