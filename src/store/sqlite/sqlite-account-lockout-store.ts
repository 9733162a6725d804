// Owns the SQLite adapter of the AccountLockoutStore port (docs/security.md A6.5).
import type Database from 'better-sqlite3';
import type { AccountLockout, AccountLockoutStore } from '../../domain/account-lockout.js';
import { toStoreError } from './sqlite-errors.js';

interface LockoutRow {
  user_name: string;
  failures: number;
  locked_until: string | null;
  locks: number;
}

const COLUMNS = 'user_name, failures, locked_until, locks';

function toLockout(row: LockoutRow): AccountLockout {
  return {
    userName: row.user_name,
    failures: row.failures,
    lockedUntil: row.locked_until,
    locks: row.locks,
  };
}

/**
 * Account lockouts in SQLite. Every statement is prepared once; counting and locking are single upserts, so two
 * requests (or two nodes on one database) never lose a failure between a read and a write.
 */
export class SqliteAccountLockoutStore implements AccountLockoutStore {
  readonly #get: Database.Statement<[string], LockoutRow>;
  readonly #all: Database.Statement<[], LockoutRow>;
  readonly #fail: Database.Statement<[string], number>;
  readonly #lock: Database.Statement<[string, string]>;
  readonly #reset: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM account_lockouts WHERE user_name = ?`);
    this.#all = db.prepare(
      `SELECT ${COLUMNS} FROM account_lockouts ` +
        'WHERE failures > 0 OR locked_until IS NOT NULL OR locks > 0 ORDER BY user_name',
    );
    // A6.5: one atomic statement; in DO UPDATE the bare column names the stored row, not the inserted one.
    this.#fail = db
      .prepare<[string], number>(
        'INSERT INTO account_lockouts (user_name, failures, locked_until, locks) VALUES (?, 1, NULL, 0) ' +
          'ON CONFLICT (user_name) DO UPDATE SET failures = failures + 1 RETURNING failures',
      )
      .pluck();
    this.#lock = db.prepare(
      'INSERT INTO account_lockouts (user_name, failures, locked_until, locks) VALUES (?, 0, ?, 1) ' +
        'ON CONFLICT (user_name) DO UPDATE SET failures = 0, locked_until = excluded.locked_until, ' +
        'locks = locks + 1',
    );
    // Forgetting everything is deleting the row: rows exist only for accounts that failed.
    this.#reset = db.prepare('DELETE FROM account_lockouts WHERE user_name = ?');
  }

  #run<T>(run: () => T, action: string): T {
    try {
      return run();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  get(userName: string): AccountLockout | undefined {
    const row = this.#run(() => this.#get.get(userName), 'reading an account lockout');
    return row ? toLockout(row) : undefined;
  }

  /** The row keeps no failure time (the schema has none), so `now` is not stored. */
  recordFailure(userName: string, _now: Date): number {
    return this.#run(() => this.#fail.get(userName)!, 'recording an account failure');
  }

  lock(userName: string, lockedUntil: string): void {
    this.#run(() => this.#lock.run(userName, lockedUntil), 'locking an account');
  }

  reset(userName: string): boolean {
    return this.#run(() => this.#reset.run(userName).changes > 0, 'resetting an account lockout');
  }

  list(): AccountLockout[] {
    return this.#run(() => this.#all.all(), 'listing account lockouts').map(toLockout);
  }
}
