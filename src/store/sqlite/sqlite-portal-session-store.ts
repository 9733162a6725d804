// Owns the SQLite adapter of the PortalSessionStore port: portal sessions that outlive a restart (SECURITY A12.2).
import type Database from 'better-sqlite3';
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
import { toStoreError } from './sqlite-errors.js';

/**
 * One row per session in `portal_sessions` (migration 17). Each portal request reads its row by primary key (a
 * few microseconds); writes come with sign-in steps and at most once a minute for `lastSeenAt`.
 */
export class SqlitePortalSessionStore implements PortalSessionStore {
  readonly #insert: Database.Statement;
  readonly #find: Database.Statement<[string], PortalSessionRow>;
  readonly #update: Database.Statement<[Record<string, string | number | null>]>;
  readonly #addFailure: Database.Statement<[string], number>;
  readonly #end: Database.Statement<[string]>;
  readonly #sweep: Database.Statement<[number, number, number]>;
  readonly #count: Database.Statement<[], number>;
  readonly #dropOldest: Database.Statement<[number]>;
  readonly #create: (session: StoredPortalSession, max: number, now: number, d: PortalDeadlines) => void;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      'INSERT INTO portal_sessions (key, user_name, groups, txn, stage, methods, how, enroll_only, started_at, ' +
        'last_seen_at, code_failures, push_txn, push_number) VALUES (@key, @user_name, @groups, @txn, @stage, ' +
        '@methods, @how, @enroll_only, @started_at, @last_seen_at, @code_failures, @push_txn, @push_number)',
    );
    this.#find = db.prepare<[string], PortalSessionRow>('SELECT * FROM portal_sessions WHERE key = ?');
    // One statement for every change (portal-session-rows.ts updateParameters): absent fields keep their column.
    this.#update = db.prepare(
      'UPDATE portal_sessions SET key = COALESCE(@p1, key), stage = COALESCE(@p2, stage), ' +
        'how = COALESCE(@p3, how), last_seen_at = COALESCE(@p4, last_seen_at), ' +
        'push_txn = CASE WHEN @p5 = 1 THEN @p6 ELSE push_txn END, ' +
        'push_number = CASE WHEN @p5 = 1 THEN @p7 ELSE push_number END ' +
        'WHERE key = @p8 AND (@p9 IS NULL OR stage = @p9)',
    );
    this.#addFailure = db
      .prepare<[string], number>(
        'UPDATE portal_sessions SET code_failures = code_failures + 1 WHERE key = ? RETURNING code_failures',
      )
      .pluck();
    this.#end = db.prepare('DELETE FROM portal_sessions WHERE key = ?');
    this.#sweep = db.prepare(
      'DELETE FROM portal_sessions WHERE last_seen_at <= ? OR started_at <= ? ' +
        "OR (stage = 'second-factor' AND started_at <= ?)",
    );
    this.#count = db.prepare<[], number>('SELECT count(*) FROM portal_sessions').pluck();
    this.#dropOldest = db.prepare(
      'DELETE FROM portal_sessions WHERE key IN ' +
        '(SELECT key FROM portal_sessions ORDER BY started_at, key LIMIT ?)',
    );
    // The count, the sweep, the drop and the insert as one step: two nodes' sign-ins cannot both pass the bound.
    const create = db.transaction(
      (session: StoredPortalSession, max: number, now: number, d: PortalDeadlines) => {
        if (this.#count.get()! >= max) this.#sweepAt(now, d);
        const excess = this.#count.get()! - max + 1;
        if (excess > 0) this.#dropOldest.run(excess);
        this.#insert.run(rowOfSession(session));
      },
    );
    this.#create = (session, max, now, d) => create.immediate(session, max, now, d);
  }

  create(session: StoredPortalSession, max: number, now: number, deadlines: PortalDeadlines): void {
    try {
      this.#create(session, max, now, deadlines);
    } catch (error) {
      throw toStoreError(error, 'opening a portal session');
    }
  }

  find(key: string): StoredPortalSession | undefined {
    try {
      const row = this.#find.get(key);
      return row === undefined ? undefined : sessionOfRow(row);
    } catch (error) {
      throw toStoreError(error, 'reading a portal session');
    }
  }

  update(key: string, change: PortalSessionChange, whileStage?: StoredPortalSession['stage']): boolean {
    try {
      const values = updateParameters(key, change, whileStage);
      return this.#update.run(Object.fromEntries(values.map((v, i) => [`p${i + 1}`, v]))).changes === 1;
    } catch (error) {
      throw toStoreError(error, 'changing a portal session');
    }
  }

  addCodeFailure(key: string): number {
    try {
      return this.#addFailure.get(key) ?? 0;
    } catch (error) {
      throw toStoreError(error, 'counting a wrong portal code');
    }
  }

  end(key: string): void {
    try {
      this.#end.run(key);
    } catch (error) {
      throw toStoreError(error, 'ending a portal session');
    }
  }

  sweep(now: number, deadlines: PortalDeadlines): number {
    try {
      return this.#sweepAt(now, deadlines);
    } catch (error) {
      throw toStoreError(error, 'sweeping portal sessions');
    }
  }

  count(): number {
    try {
      return this.#count.get()!;
    } catch (error) {
      throw toStoreError(error, 'counting portal sessions');
    }
  }

  #sweepAt(now: number, d: PortalDeadlines): number {
    return this.#sweep.run(now - d.idleMs, now - d.absoluteMs, now - d.stageMs).changes;
  }
}
