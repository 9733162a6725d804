// Owns the SQLite adapter of the GraceLoginStore port: one counter per user, counted by an upsert, and users' own
// grace periods.
import type Database from 'better-sqlite3';
import type { GraceLoginStore, OwnGrace } from '../../domain/grace-logins.js';
import { toStoreError } from './sqlite-errors.js';

export class SqliteGraceLoginStore implements GraceLoginStore {
  readonly #used: Database.Statement<[string], number>;
  readonly #record: Database.Statement<[string, string, string], number>;
  readonly #reset: Database.Statement<[string]>;
  readonly #own: Database.Statement<[string], { until: string; logins: number }>;
  readonly #setOwn: Database.Statement<[string, string, number, string]>;
  readonly #clearOwn: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.#used = db.prepare<[string], number>('SELECT used FROM grace_logins WHERE user_name = ?').pluck();
    // One statement: the read of the new count and the write are one step, also with another process writing.
    this.#record = db
      .prepare<[string, string, string], number>(
        'INSERT INTO grace_logins (user_name, used, updated_at) VALUES (?, 1, ?) ' +
          'ON CONFLICT (user_name) DO UPDATE SET used = used + 1, updated_at = ? RETURNING used',
      )
      .pluck();
    this.#reset = db.prepare('DELETE FROM grace_logins WHERE user_name = ?');
    this.#own = db.prepare('SELECT until, logins FROM user_grace WHERE user_name = ?');
    this.#setOwn = db.prepare(
      'INSERT INTO user_grace (user_name, until, logins, updated_at) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (user_name) DO UPDATE SET until = excluded.until, logins = excluded.logins, ' +
        'updated_at = excluded.updated_at',
    );
    this.#clearOwn = db.prepare('DELETE FROM user_grace WHERE user_name = ?');
  }

  used(userName: string): number {
    try {
      return this.#used.get(userName) ?? 0;
    } catch (error) {
      throw toStoreError(error, 'reading grace sign-ins');
    }
  }

  recordUse(userName: string, at: Date): number {
    try {
      const when = at.toISOString();
      return this.#record.get(userName, when, when)!;
    } catch (error) {
      throw toStoreError(error, 'counting a grace sign-in');
    }
  }

  reset(userName: string): boolean {
    try {
      return this.#reset.run(userName).changes > 0;
    } catch (error) {
      throw toStoreError(error, 'resetting grace sign-ins');
    }
  }

  ownGrace(userName: string): OwnGrace | undefined {
    try {
      return this.#own.get(userName);
    } catch (error) {
      throw toStoreError(error, "reading a user's grace period");
    }
  }

  setOwnGrace(userName: string, grace: OwnGrace | undefined, at: Date): boolean {
    try {
      if (grace === undefined) return this.#clearOwn.run(userName).changes > 0;
      this.#setOwn.run(userName, grace.until, grace.logins, at.toISOString());
      return true;
    } catch (error) {
      throw toStoreError(error, "setting a user's grace period");
    }
  }
}
