// Owns reading a database's schema version without changing it: `assent migrate --status`, backups and restores.
import Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { Migration } from './migration.js';
import { ALL_MIGRATIONS } from './migrations/all-migrations.js';
import { toStoreError } from './sqlite-errors.js';

export interface SchemaStatus {
  /** The highest migration applied to the file; 0 for a file with none (a new or foreign database). */
  readonly applied: number;
  /** The highest migration this code knows. */
  readonly known: number;
  /** Migrations this code would apply, in order (empty when current or newer). */
  readonly pending: readonly Migration[];
  /** The file was written by a newer Assent: this code must not use it. */
  readonly newer: boolean;
}

/** The schema version recorded in an open database (0 without a `schema_migrations` table). */
export function appliedVersion(db: Database.Database): number {
  const table = db
    .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .pluck()
    .get() as number;
  if (table === 0) return 0;
  return (db.prepare('SELECT max(number) FROM schema_migrations').pluck().get() as number | null) ?? 0;
}

/** Where `applied` stands against `migrations`. */
export function statusOf(applied: number, migrations: readonly Migration[] = ALL_MIGRATIONS): SchemaStatus {
  const known = migrations.length;
  return { applied, known, pending: migrations.slice(Math.min(applied, known)), newer: applied > known };
}

/**
 * Reads the schema status of the database file at `path`, read-only (no migration, no WAL checkpoint).
 * @throws StoreError `STORE_UNAVAILABLE` when the file is missing or not a database
 */
export function readSchemaStatus(
  path: string,
  migrations: readonly Migration[] = ALL_MIGRATIONS,
): SchemaStatus {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return statusOf(appliedVersion(db), migrations);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StoreError(StoreErrorCode.Unavailable, `${path} is not an Assent database or is damaged`, {
        cause: error,
      });
    }
    throw toStoreError(error, `reading the schema version of ${path}`);
  } finally {
    db?.close();
  }
}
