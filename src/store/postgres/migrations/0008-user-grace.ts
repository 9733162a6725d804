// Owns migration 8 (PostgreSQL): a user's own grace period, set by an administrator (issue 18).
import type { PostgresMigration } from '../pg-migration.js';

/**
 * As SQLite's migration 8, with the type mapping of pg-migration.ts: the date GLOB is
 * `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, and `user_name` is NOT NULL (a primary key).
 */
export const migration0008: PostgresMigration = {
  number: 8,
  name: 'user-grace',
  async up(client) {
    await client.query(`
      CREATE TABLE user_grace (
        user_name TEXT COLLATE "C" PRIMARY KEY CHECK (length(user_name) BETWEEN 1 AND 253),
        until TEXT COLLATE "C" NOT NULL CHECK (until = '' OR until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
        logins INTEGER NOT NULL CHECK (logins BETWEEN 0 AND 10000),
        updated_at TEXT COLLATE "C" NOT NULL
      );
    `);
  },
};
