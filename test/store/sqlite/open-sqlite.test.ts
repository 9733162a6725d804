import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import BetterSqlite from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import type { Migration } from '../../../src/store/sqlite/migration.js';
import { ALL_MIGRATIONS } from '../../../src/store/sqlite/migrations/all-migrations.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';

const dirs: string[] = [];
const dbs: Database.Database[] = [];
after(() => {
  for (const db of dbs) if (db.open) db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempPath(...parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-open-'));
  dirs.push(dir);
  return join(dir, ...parts);
}

function track(db: Database.Database): Database.Database {
  dbs.push(db);
  return db;
}

const fixedNow = () => new Date('2025-01-02T03:04:05.000Z');

describe('openSqlite', () => {
  test('creates the parent directory (0700) and an owner-only database file', () => {
    const path = tempPath('deep', 'data', 'assent.db');
    track(openSqlite(path)).close();
    assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
    assert.equal(statSync(path).mode & 0o077, 0, 'group and others get no access');
  });

  test('turns on WAL, a busy timeout and foreign keys', () => {
    const db = track(openSqlite(tempPath('a.db'), { busyTimeoutMs: 2500 }));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 2500);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  });

  test('records each migration with number, name and time', () => {
    const db = track(openSqlite(tempPath('a.db'), { now: fixedNow }));
    const rows = db.prepare('SELECT number, name, applied_at FROM schema_migrations ORDER BY number').all();
    assert.deepEqual(rows, [
      { number: 1, name: 'users-and-clients', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 2, name: 'tokens', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 3, name: 'account-lockouts', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 4, name: 'push-devices', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 5, name: 'server-secrets', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 6, name: 'api-keys', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 7, name: 'grace-logins', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 8, name: 'user-grace', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 9, name: 'sign-ins', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 10, name: 'change-feed', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 11, name: 'shared-logins', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 12, name: 'challenge-indexes', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 13, name: 'challenge-sessions-unlogged', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 14, name: 'push-streaks', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 15, name: 'token-holder-keys', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 16, name: 'api-transactions', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 17, name: 'portal-sessions', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 18, name: 'pending-totps', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 19, name: 'enrollment-links', applied_at: '2025-01-02T03:04:05.000Z' },
      { number: 20, name: 'tokens-fillfactor', applied_at: '2025-01-02T03:04:05.000Z' },
    ]);
  });

  test('migrations are idempotent across reopen: nothing runs twice, data stays', () => {
    const path = tempPath('a.db');
    const first = track(openSqlite(path, { now: fixedNow }));
    first
      .prepare(
        "INSERT INTO users (name, status, created_at, updated_at) VALUES ('alice', 'active', 'x', 'x')",
      )
      .run();
    first.close();
    const again = track(openSqlite(path, { now: () => new Date('2030-01-01T00:00:00.000Z') }));
    assert.equal(
      again.prepare('SELECT count(*) FROM schema_migrations').pluck().get(),
      ALL_MIGRATIONS.length,
    );
    assert.equal(
      again.prepare('SELECT applied_at FROM schema_migrations ORDER BY number').pluck().get(),
      '2025-01-02T03:04:05.000Z',
    );
    assert.equal(again.prepare('SELECT name FROM users').pluck().get(), 'alice');
  });

  test('a database from a newer version is refused with a clear error', () => {
    const path = tempPath('a.db');
    const future: Migration = { number: ALL_MIGRATIONS.length + 1, name: 'from-the-future', up() {} };
    track(openSqlite(path, { migrations: [...ALL_MIGRATIONS, future] })).close();
    assert.throws(
      () => track(openSqlite(path)),
      (error: unknown) =>
        error instanceof StoreError &&
        error.code === StoreErrorCode.Unavailable &&
        new RegExp(
          `schema version ${ALL_MIGRATIONS.length + 1}, newer than this Assent knows \\(${ALL_MIGRATIONS.length}\\)`,
        ).test(error.message),
    );
  });

  test('a failing migration rolls back the whole batch and is not recorded', () => {
    const path = tempPath('a.db');
    const broken: Migration = {
      number: ALL_MIGRATIONS.length + 1,
      name: 'broken',
      up(db) {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        throw new Error('boom');
      },
    };
    assert.throws(() => track(openSqlite(path, { migrations: [...ALL_MIGRATIONS, broken] })), StoreError);
    const raw = track(new BetterSqlite(path));
    assert.equal(
      raw.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'half_done')").pluck().get(),
      0,
    );
    assert.equal(raw.prepare('SELECT count(*) FROM schema_migrations').pluck().get(), 0);
    raw.close();
    const db = track(openSqlite(path));
    assert.equal(
      db.prepare('SELECT max(number) FROM schema_migrations').pluck().get(),
      ALL_MIGRATIONS.length,
    );
  });

  test('a migration list out of order is a programmer error', () => {
    const gap: Migration = { number: ALL_MIGRATIONS.length + 2, name: 'gap', up() {} };
    assert.throws(
      () => openSqlite(tempPath('a.db'), { migrations: [...ALL_MIGRATIONS, gap] }),
      new RegExp(`expected ${ALL_MIGRATIONS.length + 1}`),
    );
  });

  test('user names are case-sensitive in the schema itself', () => {
    const db = track(openSqlite(':memory:'));
    const insert = db.prepare(
      "INSERT INTO users (name, status, created_at, updated_at) VALUES (?, 'active', 'x', 'x')",
    );
    insert.run('alice');
    insert.run('Alice');
    assert.equal(db.prepare('SELECT count(*) FROM users').pluck().get(), 2);
  });

  test('a path that cannot be opened is StoreError STORE_UNAVAILABLE', () => {
    const dir = tempPath('dir');
    track(openSqlite(join(dir, 'x.db'))).close();
    assert.throws(
      () => openSqlite(join(dir, 'x.db', 'nested.db')),
      (error: unknown) => error instanceof StoreError && error.code === StoreErrorCode.Unavailable,
    );
  });
});
