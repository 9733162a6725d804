// Owns migration 8: a user's own grace period, set by an administrator (issue 18 "per user or group").
import type { Migration } from '../migration.js';

/**
 * One row per user with an own grace period; it replaces the global and group ones for that user. `until` is a
 * `YYYY-MM-DD` date or '' (no date); `logins` the grace sign-ins allowed (0: none). BINARY collation like user names.
 */
export const migration0008: Migration = {
  number: 8,
  name: 'user-grace',
  up(db) {
    db.exec(`
      CREATE TABLE user_grace (
        user_name TEXT PRIMARY KEY CHECK (length(user_name) BETWEEN 1 AND 253),
        until TEXT NOT NULL CHECK (until = '' OR until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        logins INTEGER NOT NULL CHECK (logins BETWEEN 0 AND 10000),
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
