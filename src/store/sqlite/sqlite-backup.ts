// Owns copying the database out (an online backup beside a running server) and back in (a checked restore).
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import { syncPath } from '../sync-path.js';
import { appliedVersion, statusOf } from './schema-status.js';
import { acquireServerLock } from './server-lock.js';
import { toStoreError } from './sqlite-errors.js';

/** What a backup holds, for the operator to see that it is the one they meant. */
export interface BackupSummary {
  readonly schemaVersion: number;
  readonly bytes: number;
  readonly users: number;
  readonly clients: number;
  readonly tokens: number;
  readonly pushDevices: number;
}

const unavailable = (message: string, cause?: unknown) =>
  new StoreError(StoreErrorCode.Unavailable, message, cause === undefined ? undefined : { cause });

function count(db: Database.Database, table: string): number {
  const exists = db
    .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
    .pluck()
    .get(table) as number;
  return exists === 0 ? 0 : (db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number);
}

/**
 * Checks a database file as a restore or a new backup needs it: SQLite's own check passes, it is an Assent
 * database (it has a schema version), and not one of a newer Assent. @throws StoreError naming what is wrong
 */
export function inspectBackup(path: string): BackupSummary {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('quick_check(5)') as { quick_check: string }[])
      .map((row) => row.quick_check)
      .filter((text) => text !== 'ok');
    if (problems.length > 0) throw unavailable(`${path} is damaged: ${problems.join('; ')}`);
    const status = statusOf(appliedVersion(db));
    if (status.applied === 0) throw unavailable(`${path} is not an Assent database (no schema version)`);
    if (status.newer) {
      throw unavailable(
        `${path} has schema version ${status.applied}, newer than this Assent knows (${status.known}): ` +
          'restore it with the newer Assent that made it',
      );
    }
    return {
      schemaVersion: status.applied,
      bytes: statSync(path).size,
      users: count(db, 'users'),
      clients: count(db, 'clients'),
      tokens: count(db, 'tokens'),
      pushDevices: count(db, 'push_devices'),
    };
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw unavailable(`${path} is not an Assent database or is damaged (${String(code)})`, error);
    throw toStoreError(error, `reading ${path}`);
  } finally {
    db?.close();
  }
}

/** A temporary name beside `path`, so the final rename stays on one file system (atomic). */
const besideTemp = (path: string, what: string) =>
  join(dirname(path), `.${basename(path)}.${what}-${process.pid}-${Date.now()}`);

/**
 * SQLite's online backup of `sourcePath` into `destPath`, consistent while a server writes (it copies a snapshot
 * and restarts when the source changes under it). Written beside the destination, checked, synced, then renamed
 * into place: a failed backup leaves no half file under the destination's name. Mode 0600: it holds password
 * hashes. @throws StoreError
 */
export async function backupSqlite(
  sourcePath: string,
  destPath: string,
  options: { overwrite?: boolean } = {},
): Promise<BackupSummary> {
  if (existsSync(destPath) && options.overwrite !== true) {
    throw unavailable(`${destPath} exists: choose another name, or pass --force to replace it`);
  }
  const temp = besideTemp(destPath, 'backup');
  let source: Database.Database | undefined;
  try {
    source = new Database(sourcePath, { readonly: true, fileMustExist: true });
    closeSync(openSync(temp, 'w', 0o600));
    await source.backup(temp);
    const summary = inspectBackup(temp);
    syncPath(temp);
    renameSync(temp, destPath);
    syncPath(dirname(destPath));
    return summary;
  } catch (error) {
    rmSync(temp, { force: true });
    if (error instanceof StoreError) throw error;
    throw toStoreError(error, `backing up ${sourcePath} to ${destPath}`);
  } finally {
    source?.close();
  }
}

export interface RestoreResult extends BackupSummary {
  /** Where the database that was replaced now is (with its -wal), or undefined when there was none. */
  readonly previous: string | undefined;
}

/**
 * Puts the backup at `backupPath` in place of the database at `targetPath`. Refused while a server holds the
 * database (its lock), for a damaged or newer backup, and when `opens` (given a copy of the backup) says the key
 * file cannot open its secrets. The database it replaces is kept beside it, never deleted.
 * @throws StoreError, ServerLockError, or what `opens` throws (SealError)
 */
export function restoreSqlite(
  backupPath: string,
  targetPath: string,
  opens: (copyPath: string) => void,
  now: Date,
): RestoreResult {
  const summary = inspectBackup(backupPath);
  const lock = acquireServerLock(targetPath);
  const copy = besideTemp(targetPath, 'restore');
  try {
    // Through SQLite, not the file system: a backup that has a -wal file beside it is read whole.
    copyDatabase(backupPath, copy);
    opens(copy);
    let previous: string | undefined;
    if (existsSync(targetPath)) {
      previous = `${targetPath}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
      renameSync(targetPath, previous);
      for (const suffix of ['-wal', '-shm']) {
        if (existsSync(targetPath + suffix)) renameSync(targetPath + suffix, previous + suffix);
      }
    }
    try {
      renameSync(copy, targetPath);
    } catch (error) {
      // The old database goes back where it was: a failed restore leaves the server as it found it.
      if (previous !== undefined) {
        renameSync(previous, targetPath);
        for (const suffix of ['-wal', '-shm'])
          if (existsSync(previous + suffix)) renameSync(previous + suffix, targetPath + suffix);
      }
      throw error;
    }
    for (const suffix of ['-wal', '-shm']) rmSync(copy + suffix, { force: true });
    syncPath(dirname(targetPath));
    return { ...summary, previous };
  } catch (error) {
    rmSync(copy, { force: true });
    for (const suffix of ['-wal', '-shm']) rmSync(copy + suffix, { force: true });
    throw error;
  } finally {
    lock.release();
  }
}

/** A whole, synced copy of a database file through SQLite (VACUUM INTO writes one self-contained file). */
function copyDatabase(from: string, to: string): void {
  rmSync(to, { force: true });
  // VACUUM INTO takes an empty file: created first so the copy is owner-only like the database.
  closeSync(openSync(to, 'w', 0o600));
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    source.prepare('VACUUM INTO ?').run(to);
  } finally {
    source.close();
  }
  syncPath(to);
}
