// Owns the set of user names that hold at least one token, kept in memory so the login hot path asks a Set.
import type Database from 'better-sqlite3';

/**
 * Which users have a second factor enrolled. Loaded once and refreshed by the caller when the database changes
 * (the same `data_version` watch that invalidates the user cache), so no query runs per login.
 */
export class TokenHolders {
  private names = new Set<string>();
  private readonly select: Database.Statement<[], string>;

  constructor(db: Database.Database) {
    this.select = db.prepare<[], string>('SELECT DISTINCT user_name FROM tokens').pluck();
    this.refresh();
  }

  refresh(): void {
    this.names = new Set(this.select.all());
  }

  has(userName: string): boolean {
    return this.names.has(userName);
  }
}
