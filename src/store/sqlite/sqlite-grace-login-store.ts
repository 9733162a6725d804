// Owns the SQLite adapter of the GraceLoginStore port: one counter per user, counted by an upsert.
import type Database from 'better-sqlite3';
import type { GraceLoginStore } from '../../domain/grace-logins.js';
import { toStoreError } from './sqlite-errors.js';

export class SqliteGraceLoginStore implements GraceLoginStore {
  readonly #used: Database.Statement<[string], number>;
  readonly #record: Database.Statement<[string, string, string], number>;
  readonly #reset: Database.Statement<[string]>;

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
}
