// Owns the PostgreSQL adapter of the PortalSessionStore port: one portal session table for every node (A12.2).
import type pg from 'pg';
import type {
  PortalDeadlines,
  PortalSessionChange,
  PortalSessionStore,
  StoredPortalSession,
} from '../../domain/portal-session-store.js';
import {
  type PortalSessionRow,
  rowOfSession,
  sessionOfRow,
  updateParameters,
} from '../portal-session-rows.js';
import { type NamedStatement, queryOrFail } from './pg-errors.js';

const COLUMNS =
  'key, user_name, groups, txn, stage, methods, how, enroll_only, started_at, last_seen_at, code_failures, ' +
  'push_txn, push_number';
// The insert and the bound in one statement: the oldest rows beyond `max - 1` go as the new one comes. Two nodes
// inserting at the same instant may each leave one over the bound until the next sign-in; the bound is against
// unbounded growth, not a quota.
const CREATE: NamedStatement = {
  name: 'portal-session-create',
  text:
    'WITH dropped AS (DELETE FROM portal_sessions WHERE key IN (SELECT key FROM portal_sessions ' +
    'ORDER BY started_at, key LIMIT GREATEST(0, (SELECT count(*) FROM portal_sessions) - $14 + 1))) ' +
    `INSERT INTO portal_sessions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
};
const FIND: NamedStatement = {
  name: 'portal-session-find',
  text: `SELECT ${COLUMNS} FROM portal_sessions WHERE key = $1`,
};
const UPDATE: NamedStatement = {
  name: 'portal-session-update',
  text:
    'UPDATE portal_sessions SET key = COALESCE($1, key), stage = COALESCE($2, stage), how = COALESCE($3, how), ' +
    'last_seen_at = COALESCE($4::bigint, last_seen_at), ' +
    'push_txn = CASE WHEN $5::int = 1 THEN $6 ELSE push_txn END, ' +
    'push_number = CASE WHEN $5::int = 1 THEN $7 ELSE push_number END ' +
    'WHERE key = $8 AND ($9::text IS NULL OR stage = $9)',
};
const ADD_FAILURE: NamedStatement = {
  name: 'portal-session-failure',
  text: 'UPDATE portal_sessions SET code_failures = code_failures + 1 WHERE key = $1 RETURNING code_failures',
};
const END: NamedStatement = {
  name: 'portal-session-end',
  text: 'DELETE FROM portal_sessions WHERE key = $1',
};
const SWEEP: NamedStatement = {
  name: 'portal-session-sweep',
  text:
    'DELETE FROM portal_sessions WHERE last_seen_at <= $1 OR started_at <= $2 ' +
    "OR (stage = 'second-factor' AND started_at <= $3)",
};
const COUNT: NamedStatement = {
  name: 'portal-session-count',
  text: 'SELECT count(*)::int AS n FROM portal_sessions',
};

/**
 * Sessions in `portal_sessions` (migration 17), shared by every node: a browser's next request may reach any of
 * them. A request reads its row by primary key; each sign-in step is one statement; `lastSeenAt` is written at most
 * once a minute per session (auth/portal-sessions.ts), so a busy portal does not write per request.
 */
export class PgPortalSessionStore implements PortalSessionStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(
    session: StoredPortalSession,
    max: number,
    now: number,
    deadlines: PortalDeadlines,
  ): Promise<void> {
    // Expired sessions go before live ones are dropped; asked only when the table is full.
    if ((await this.count()) >= max) await this.sweep(now, deadlines);
    await queryOrFail(
      this.#pool,
      CREATE,
      [...Object.values(rowOfSession(session)), max],
      'opening a portal session',
    );
  }

  async find(key: string): Promise<StoredPortalSession | undefined> {
    const { rows } = await queryOrFail<PortalSessionRow>(this.#pool, FIND, [key], 'reading a portal session');
    return rows[0] === undefined ? undefined : sessionOfRow(rows[0]);
  }

  async update(
    key: string,
    change: PortalSessionChange,
    whileStage?: StoredPortalSession['stage'],
  ): Promise<boolean> {
    const values = updateParameters(key, change, whileStage);
    const result = await queryOrFail(this.#pool, UPDATE, values, 'changing a portal session');
    return result.rowCount === 1;
  }

  async addCodeFailure(key: string): Promise<number> {
    const { rows } = await queryOrFail<{ code_failures: number }>(
      this.#pool,
      ADD_FAILURE,
      [key],
      'counting a wrong portal code',
    );
    return rows[0]?.code_failures ?? 0;
  }

  async end(key: string): Promise<void> {
    await queryOrFail(this.#pool, END, [key], 'ending a portal session');
  }

  async sweep(now: number, deadlines: PortalDeadlines): Promise<number> {
    const values = [now - deadlines.idleMs, now - deadlines.absoluteMs, now - deadlines.stageMs];
    const result = await queryOrFail(this.#pool, SWEEP, values, 'sweeping portal sessions');
    return result.rowCount ?? 0;
  }

  async count(): Promise<number> {
    const { rows } = await queryOrFail<{ n: number }>(this.#pool, COUNT, [], 'counting portal sessions');
    return rows[0]?.n ?? 0;
  }
}
