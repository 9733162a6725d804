// Owns the SQLite adapter of the PushStreaks port: number-matching streaks (A7.7) that outlive a restart.
import type Database from 'better-sqlite3';
import type { PushStreaks } from '../../domain/push-streaks.js';
import { toStoreError } from './sqlite-errors.js';

/**
 * One row per user in `push_streaks` while the user has misses; an approval deletes it. Read once per challenge
 * of a user who has a push device (a primary-key lookup of a few microseconds), so the server keeps no copy in
 * memory and a restart forgets nothing.
 */
export class SqlitePushStreaks implements PushStreaks {
  readonly #misses: Database.Statement<[string], number>;
  readonly #missed: Database.Statement<[string]>;
  readonly #approved: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.#misses = db
      .prepare<[string], number>('SELECT misses FROM push_streaks WHERE user_name = ?')
      .pluck();
    this.#missed = db.prepare(
      'INSERT INTO push_streaks (user_name, misses) VALUES (?, 1) ' +
        'ON CONFLICT (user_name) DO UPDATE SET misses = push_streaks.misses + 1',
    );
    this.#approved = db.prepare('DELETE FROM push_streaks WHERE user_name = ?');
  }

  misses(userName: string): number {
    try {
      return this.#misses.get(userName) ?? 0;
    } catch (error) {
      throw toStoreError(error, 'reading a push streak');
    }
  }

  missed(userName: string): void {
    try {
      this.#missed.run(userName);
    } catch (error) {
      throw toStoreError(error, 'counting a missed push');
    }
  }

  approved(userName: string): void {
    try {
      this.#approved.run(userName);
    } catch (error) {
      throw toStoreError(error, 'ending a push streak');
    }
  }
}
