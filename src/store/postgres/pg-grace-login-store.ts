// Owns the PostgreSQL adapter of the GraceLoginStore port: one counter per user, counted by an upsert, and users'
// own grace periods.
import type pg from 'pg';
import type { GraceLoginStore, OwnGrace } from '../../domain/grace-logins.js';
import { queryOrFail } from './pg-errors.js';

const USED = 'SELECT used FROM grace_logins WHERE user_name = $1';
// One statement: the read of the new count and the write are one step, also with another node counting.
const RECORD =
  'INSERT INTO grace_logins (user_name, used, updated_at) VALUES ($1, 1, $2) ' +
  'ON CONFLICT (user_name) DO UPDATE SET used = grace_logins.used + 1, updated_at = excluded.updated_at ' +
  'RETURNING used';
const RESET = 'DELETE FROM grace_logins WHERE user_name = $1';
const OWN = 'SELECT until, logins FROM user_grace WHERE user_name = $1';
const SET_OWN =
  'INSERT INTO user_grace (user_name, until, logins, updated_at) VALUES ($1, $2, $3, $4) ' +
  'ON CONFLICT (user_name) DO UPDATE SET until = excluded.until, logins = excluded.logins, ' +
  'updated_at = excluded.updated_at';
const CLEAR_OWN = 'DELETE FROM user_grace WHERE user_name = $1';

export class PgGraceLoginStore implements GraceLoginStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  async used(userName: string): Promise<number> {
    const { rows } = await this.#query<{ used: number }>(USED, [userName], 'reading grace sign-ins');
    return rows[0]?.used ?? 0;
  }

  async recordUse(userName: string, at: Date): Promise<number> {
    const { rows } = await this.#query<{ used: number }>(
      RECORD,
      [userName, at.toISOString()],
      'counting a grace sign-in',
    );
    return rows[0]!.used;
  }

  async reset(userName: string): Promise<boolean> {
    const { rowCount } = await this.#query(RESET, [userName], 'resetting grace sign-ins');
    return (rowCount ?? 0) > 0;
  }

  async ownGrace(userName: string): Promise<OwnGrace | undefined> {
    const { rows } = await this.#query<OwnGrace>(OWN, [userName], "reading a user's grace period");
    const row = rows[0];
    return row === undefined ? undefined : { until: row.until, logins: row.logins };
  }

  async setOwnGrace(userName: string, grace: OwnGrace | undefined, at: Date): Promise<boolean> {
    const action = "setting a user's grace period";
    if (grace === undefined) {
      const { rowCount } = await this.#query(CLEAR_OWN, [userName], action);
      return (rowCount ?? 0) > 0;
    }
    await this.#query(SET_OWN, [userName, grace.until, grace.logins, at.toISOString()], action);
    return true;
  }
}
