// Owns the one-server-per-database lock: a second `serve` on the same data is refused; the CLI is not affected.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';

/** Another server holds the database (issue 12: two servers would each accept the same code once). */
export class ServerLockError extends Error {
  override readonly name = 'ServerLockError';
}

export interface ServerLock {
  release(): void;
}

/**
 * Takes the server lock of the database at `sqlitePath`: an exclusive SQLite lock on `<sqlitePath>.lock`, held
 * for the life of the process. The operating system drops it when the process ends however it ends (kill -9
 * included), so there is no stale lock to clean up and no PID to trust. CLI commands never take it: they keep
 * working beside a running server, as before.
 * @throws ServerLockError when another process holds it
 */
export function acquireServerLock(sqlitePath: string): ServerLock {
  const path = `${sqlitePath}.lock`;
  let db: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    db = new Database(path);
  } catch (error) {
    throw unwritable(sqlitePath, error);
  }
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the EXCLUSIVE lock; in EXCLUSIVE locking mode it is kept after the commit.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (error) {
    db.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new ServerLockError(
        `another Assent server is using ${sqlitePath}${holderText(path)}: stop it first, or give this one its ` +
          'own dataDir (two servers on one database would each accept the same one-time code)',
        { cause: error },
      );
    }
    throw unwritable(sqlitePath, error);
  }
  // Best effort, for the message a second server prints: the lock itself is the SQLite lock above.
  try {
    writeFileSync(`${path}.pid`, `${process.pid}\n`, { mode: 0o600 });
  } catch {}
  return {
    release() {
      if (!db.open) return;
      db.close();
      rmSync(`${path}.pid`, { force: true });
    },
  };
}

/**
 * Issue 16: a read-only or full file system, or a directory this user may not write, is a data problem a restart
 * cannot fix: a StoreError (exit 3, which the systemd unit does not restart) that says what to check.
 */
function unwritable(sqlitePath: string, error: unknown): StoreError {
  const code = String((error as { code?: unknown }).code ?? 'unknown error');
  return new StoreError(
    StoreErrorCode.Unavailable,
    `cannot write beside the database ${sqlitePath} (${code}: ${(error as Error).message}): the server needs its ` +
      'data directory writable (a read-only mount, a full disk, or another owner are the usual causes)',
    { cause: error },
  );
}

function holderText(path: string): string {
  try {
    const pid = readFileSync(`${path}.pid`, 'utf8').trim();
    return /^\d+$/.test(pid) ? ` (PID ${pid})` : '';
  } catch {
    return '';
  }
}
