// Owns the SQLite adapter of the PushMutes port: "this wasn't me" mutes that outlive a restart and can be lifted.
import type Database from 'better-sqlite3';
import type { PushMutes } from '../../domain/push-mutes.js';
import { toStoreError } from './sqlite-errors.js';

/**
 * One row per user in `push_mutes`. Read once per push a user is about to get (a primary-key lookup), so the
 * server needs no copy in memory and sees at once a mute lifted by `assent user unlock` in another process.
 */
export class SqlitePushMutes implements PushMutes {
  readonly #until: Database.Statement<[string], number>;
  readonly #mute: Database.Statement<[string, number]>;
  readonly #lift: Database.Statement<[string], number>;

  constructor(db: Database.Database) {
    this.#until = db.prepare<[string], number>('SELECT until FROM push_mutes WHERE user_name = ?').pluck();
    this.#mute = db.prepare(
      'INSERT INTO push_mutes (user_name, until) VALUES (?, ?) ' +
        'ON CONFLICT (user_name) DO UPDATE SET until = max(push_mutes.until, excluded.until)',
    );
    this.#lift = db
      .prepare<[string], number>('DELETE FROM push_mutes WHERE user_name = ? RETURNING until')
      .pluck();
  }

  until(userName: string): number {
    try {
      return this.#until.get(userName) ?? 0;
    } catch (error) {
      throw toStoreError(error, 'reading a push mute');
    }
  }

  mute(userName: string, until: number): void {
    try {
      this.#mute.run(userName, until);
    } catch (error) {
      throw toStoreError(error, 'muting pushes');
    }
  }

  lift(userName: string, now: number): boolean {
    try {
      const until = this.#lift.get(userName);
      return until !== undefined && until > now;
    } catch (error) {
      throw toStoreError(error, 'lifting a push mute');
    }
  }
}
