// Owns opening the SQLite database: file and directory creation, pragmas, and running migrations.
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { Migration } from './migration.js';
import { ALL_MIGRATIONS } from './migrations/all-migrations.js';
import { toStoreError } from './sqlite-errors.js';

export interface OpenSqliteOptions {
  /** The migrations to run; tests pass their own list to play an older or newer code version. */
  readonly migrations?: readonly Migration[];
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  /** Run `PRAGMA quick_check` before use (issue 12): a damaged file is refused at start, not found at login. */
  readonly integrityCheck?: boolean;
  /** ISO time recorded in `schema_migrations.applied_at`. */
  readonly now?: () => Date;
  /**
   * False: a database with migrations still to apply is refused (`storage.autoMigrate: false`), so only
   * `assent migrate` changes the schema. Default true: the embedded default upgrades itself at start.
   */
  readonly applyMigrations?: boolean;
}

const IN_MEMORY = ':memory:';

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.number !== index + 1) {
      throw new Error(`migration ${migration.name} has number ${migration.number}, expected ${index + 1}`);
    }
  });
}

function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  now: () => Date,
  apply: boolean,
): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const current = db.prepare('SELECT max(number) FROM schema_migrations').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)');
  // IMMEDIATE takes the write lock first, so two processes starting together do not both run a migration.
  db.transaction(() => {
    const applied = (current.get() as number | null) ?? 0;
    const known = migrations.length;
    if (applied > known) {
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `database ${db.name} has schema version ${applied}, newer than this Assent knows (${known}): ` +
          'run a newer Assent or restore a backup made by this version',
      );
    }
    // A new database (version 0) is always created: only upgrades of an existing one wait for `assent migrate`.
    if (!apply && applied > 0 && applied < known) {
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `database ${db.name} has schema version ${applied} and this Assent needs ${known}; ` +
          'storage.autoMigrate is off: run "assent migrate" (after a backup: "assent backup <file>")',
      );
    }
    for (const migration of migrations.slice(applied)) {
      migration.up(db);
      record.run(migration.number, migration.name, now().toISOString());
    }
  }).immediate();
}

/**
 * Opens (creating if needed) the database at `path` with WAL, a busy timeout and foreign keys on, and brings its
 * schema up to date in one transaction.
 * @throws StoreError `STORE_UNAVAILABLE` when the file cannot be opened or its schema is newer than the code
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): Database.Database {
  const migrations = options.migrations ?? ALL_MIGRATIONS;
  checkOrder(migrations);
  let db: Database.Database;
  try {
    if (path !== IN_MEMORY) {
      // Issue 12: an existing empty file is a truncated database, not a new one: never recreate it silently.
      if (existsSync(path) && statSync(path).size === 0) {
        throw new StoreError(
          StoreErrorCode.Unavailable,
          `database ${path} is an empty file (0 bytes): it was truncated or is not an Assent database; ` +
            'restore it from a backup (or remove it to start with no users, clients or tokens)',
        );
      }
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // The file holds password hashes: create it owner-only; SQLite gives -wal and -shm the same mode.
      closeSync(openSync(path, 'a', 0o600));
    }
    db = new Database(path);
  } catch (error) {
    throw toStoreError(error, `opening database ${path}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma('foreign_keys = ON');
    // FULL, not NORMAL: a commit must survive power loss too, or a replayed OTP step could be accepted again.
    db.pragma('synchronous = FULL');
    if (options.integrityCheck) checkIntegrity(db, path);
    migrate(db, migrations, options.now ?? (() => new Date()), options.applyMigrations ?? true);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw corrupt(path, String(code), error);
    throw toStoreError(error, `preparing database ${path}`);
  }
}

function corrupt(path: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    StoreErrorCode.Unavailable,
    `database ${path} is damaged (${detail}): restore it from a backup; the key file alone cannot repair it`,
    cause === undefined ? undefined : { cause },
  );
}

/** SQLite's own page and index check (cheaper than integrity_check, enough to refuse a damaged file). */
function checkIntegrity(db: Database.Database, path: string): void {
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((text) => text !== 'ok');
  if (problems.length > 0) throw corrupt(path, problems.join('; '));
}
