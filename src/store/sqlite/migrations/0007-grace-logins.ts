// Owns migration 7: sign-ins used on a grace period by users without a second factor (issue 18).
import type { Migration } from '../migration.js';

/** One row per user name that has used a grace sign-in; BINARY collation like user names. */
export const migration0007: Migration = {
  number: 7,
  name: 'grace-logins',
  up(db) {
    db.exec(`
      CREATE TABLE grace_logins (
        user_name TEXT PRIMARY KEY CHECK (length(user_name) BETWEEN 1 AND 253),
        used INTEGER NOT NULL CHECK (used >= 0),
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
