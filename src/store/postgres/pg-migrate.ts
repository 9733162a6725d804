// Owns bringing a PostgreSQL database's schema up to date, and reading its version without changing it.
import type { ClientBase } from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import { ALL_PG_MIGRATIONS } from './migrations/all-migrations.js';
import { PgLock } from './pg-locks.js';
import type { PostgresMigration } from './pg-migration.js';

export interface MigratePostgresOptions {
  /** The migrations to run; tests pass their own list to play an older or newer code version. */
  readonly migrations?: readonly PostgresMigration[];
  /** ISO time recorded in `schema_migrations.applied_at`. */
  readonly now?: () => Date;
  /**
   * False: a database with migrations still to apply is refused (`storage.autoMigrate: false`), so only
   * `assent migrate` changes the schema. A new, empty database is created all the same. Default true.
   */
  readonly applyMigrations?: boolean;
}

export interface MigratePostgresResult {
  /** The numbers of the migrations this call applied, in order (empty when the schema was current). */
  readonly applied: readonly number[];
  /** The schema version of the database afterwards. */
  readonly version: number;
}

export interface PostgresSchemaStatus {
  /** The highest migration applied to the database; 0 for one with none (a new or foreign database). */
  readonly applied: number;
  /** The highest migration this code knows. */
  readonly known: number;
  /** Migrations this code would apply, in order (empty when current or newer). */
  readonly pending: readonly PostgresMigration[];
  /** The database was written by a newer Assent: this code must not use it. */
  readonly newer: boolean;
}

/** The same table as SQLite's, in PostgreSQL's types (pg-migration.ts). */
const CREATE_SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
  number INTEGER PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  applied_at TEXT COLLATE "C" NOT NULL
)`;

function checkOrder(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.number !== index + 1) {
      throw new Error(`migration ${migration.name} has number ${migration.number}, expected ${index + 1}`);
    }
  });
}

/** Wraps a driver failure as `STORE_UNAVAILABLE` with its SQLSTATE, keeping it as the cause (as SQLite's). */
function unavailable(action: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new StoreError(
    StoreErrorCode.Unavailable,
    `${action} failed (${typeof code === 'string' ? code : 'unknown error'})`,
    { cause: error },
  );
}

/** How messages name the database: its name only, never the URL, which may hold a password. */
async function label(client: ClientBase): Promise<string> {
  const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
  return `database "${rows[0]?.name ?? '?'}" (PostgreSQL)`;
}

/** The highest number in `schema_migrations`, 0 without the table (found on the connection's search_path). */
async function appliedVersion(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (rows[0]?.present !== true) return 0;
  const max = await client.query<{ applied: number | null }>(
    'SELECT max(number) AS applied FROM schema_migrations',
  );
  return max.rows[0]?.applied ?? 0;
}

/**
 * Brings the schema of the database `client` is connected to up to date: every pending migration and its
 * `schema_migrations` row in one transaction, so a failure leaves the schema as it was. Nodes starting
 * together take turns on a transaction-scoped advisory lock (pg-locks.ts); the later one finds the work done.
 * The client must not be inside a transaction, and is left outside one.
 * @param client a connection (a `pg.Client` or a pool's client) with rights to create tables and functions
 * @param options the migrations (default: all), the clock, and whether pending migrations may be applied
 * @returns the migrations applied by this call and the resulting schema version
 * @throws StoreError `STORE_UNAVAILABLE` when the schema is newer than the code, when migrations are pending
 *   and `applyMigrations` is false, or when the database fails (the SQLSTATE is in the message, the error the
 *   cause)
 */
export async function migratePostgres(
  client: ClientBase,
  options: MigratePostgresOptions = {},
): Promise<MigratePostgresResult> {
  const migrations = options.migrations ?? ALL_PG_MIGRATIONS;
  checkOrder(migrations);
  const now = options.now ?? (() => new Date());
  const apply = options.applyMigrations ?? true;
  let action = 'starting the schema migration';
  try {
    // READ COMMITTED whatever the database's default: after waiting for the lock, the next statement must see
    // what the node before us committed (under REPEATABLE READ the snapshot would predate the wait).
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  } catch (error) {
    throw unavailable(action, error);
  }
  try {
    const name = await label(client);
    action = `locking ${name} for its schema migration`;
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [PgLock.namespace, PgLock.migrate]);
    action = `reading the schema version of ${name}`;
    await client.query(CREATE_SCHEMA_MIGRATIONS);
    const applied = await appliedVersion(client);
    const known = migrations.length;
    if (applied > known) {
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `${name} has schema version ${applied}, newer than this Assent knows (${known}): ` +
          'run a newer Assent or restore a backup made by this version',
      );
    }
    // A new database (version 0) is always created: only upgrades of an existing one wait for
    // `assent migrate` (as in open-sqlite.ts).
    if (!apply && applied > 0 && applied < known) {
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `${name} has schema version ${applied} and this Assent needs ${known}; ` +
          'storage.autoMigrate is off: run "assent migrate" (after a backup: pg_dump)',
      );
    }
    const done: number[] = [];
    for (const migration of migrations.slice(applied)) {
      action = `applying migration ${migration.number} (${migration.name}) to ${name}`;
      await migration.up(client);
      await client.query('INSERT INTO schema_migrations (number, name, applied_at) VALUES ($1, $2, $3)', [
        migration.number,
        migration.name,
        now().toISOString(),
      ]);
      done.push(migration.number);
    }
    action = `committing the schema migration of ${name}`;
    await client.query('COMMIT');
    return { applied: done, version: Math.max(applied, known) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw unavailable(action, error);
  }
}

/**
 * Reads where the database's schema stands against `migrations`, changing nothing: `assent migrate --status`.
 * @throws StoreError `STORE_UNAVAILABLE` when the database cannot be read
 */
export async function postgresSchemaStatus(
  client: ClientBase,
  migrations: readonly PostgresMigration[] = ALL_PG_MIGRATIONS,
): Promise<PostgresSchemaStatus> {
  let applied: number;
  try {
    applied = await appliedVersion(client);
  } catch (error) {
    throw unavailable('reading the schema version of the PostgreSQL database', error);
  }
  const known = migrations.length;
  return { applied, known, pending: migrations.slice(Math.min(applied, known)), newer: applied > known };
}
