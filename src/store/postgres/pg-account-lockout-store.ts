// Owns the PostgreSQL adapter of the AccountLockoutStore port (docs/security.md A6.5).
import type pg from 'pg';
import type { AccountLockout, AccountLockoutStore } from '../../domain/account-lockout.js';
import { queryOrFail } from './pg-errors.js';

interface LockoutRow {
  user_name: string;
  failures: number;
  locked_until: string | null;
  locks: number;
}

const COLUMNS = 'user_name, failures, locked_until, locks';

const GET = `SELECT ${COLUMNS} FROM account_lockouts WHERE user_name = $1`;
const LIST =
  `SELECT ${COLUMNS} FROM account_lockouts ` +
  'WHERE failures > 0 OR locked_until IS NOT NULL OR locks > 0 ORDER BY user_name';
// A6.5: one statement, so failures sent to several nodes meet one counter. The row is locked by the upsert:
// a concurrent one waits and then adds to the committed count.
const FAIL =
  'INSERT INTO account_lockouts (user_name, failures, locked_until, locks) VALUES ($1, 1, NULL, 0) ' +
  'ON CONFLICT (user_name) DO UPDATE SET failures = account_lockouts.failures + 1 RETURNING failures';
const LOCK =
  'INSERT INTO account_lockouts (user_name, failures, locked_until, locks) VALUES ($1, 0, $2, 1) ' +
  'ON CONFLICT (user_name) DO UPDATE SET failures = 0, locked_until = excluded.locked_until, ' +
  'locks = account_lockouts.locks + 1';
// Forgetting everything is deleting the row: rows exist only for accounts that failed.
const RESET = 'DELETE FROM account_lockouts WHERE user_name = $1';

function toLockout(row: LockoutRow): AccountLockout {
  return {
    userName: row.user_name,
    failures: row.failures,
    lockedUntil: row.locked_until,
    locks: row.locks,
  };
}

/** Account lockouts in PostgreSQL: counting and locking are single upserts, as in the SQLite twin. */
export class PgAccountLockoutStore implements AccountLockoutStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  async get(userName: string): Promise<AccountLockout | undefined> {
    const { rows } = await this.#query<LockoutRow>(GET, [userName], 'reading an account lockout');
    return rows[0] === undefined ? undefined : toLockout(rows[0]);
  }

  /** The row keeps no failure time (the schema has none), so `now` is not stored. */
  async recordFailure(userName: string, _now: Date): Promise<number> {
    const { rows } = await this.#query<{ failures: number }>(
      FAIL,
      [userName],
      'recording an account failure',
    );
    return rows[0]!.failures;
  }

  async lock(userName: string, lockedUntil: string): Promise<void> {
    await this.#query(LOCK, [userName, lockedUntil], 'locking an account');
  }

  async reset(userName: string): Promise<boolean> {
    const { rowCount } = await this.#query(RESET, [userName], 'resetting an account lockout');
    return (rowCount ?? 0) > 0;
  }

  async list(): Promise<AccountLockout[]> {
    const { rows } = await this.#query<LockoutRow>(LIST, [], 'listing account lockouts');
    return rows.map(toLockout);
  }
}
