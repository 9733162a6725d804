// Owns migration 3: the per-account failure counters and locks (docs/security.md A6.5).
import type { Migration } from '../migration.js';

/**
 * One row per account that has failed since its last success or unlock; a success or `assent user unlock`
 * deletes the row. `user_name` is not a foreign key: directory (LDAP) users have no row in `users` but are
 * locked under their canonical name all the same. BINARY collation as in `users`, so `Alice` is not `alice`.
 * `locked_until` is an ISO time (compared as text, which orders correctly for the one format we write).
 */
export const migration0003: Migration = {
  number: 3,
  name: 'account-lockouts',
  up(db) {
    db.exec(`
      CREATE TABLE account_lockouts (
        user_name TEXT NOT NULL PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        locked_until TEXT,
        locks INTEGER NOT NULL DEFAULT 0 CHECK (locks >= 0)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
