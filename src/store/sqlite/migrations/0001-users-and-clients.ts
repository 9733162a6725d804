// Owns migration 1: the users and clients (NAS) tables.
import type { Migration } from '../migration.js';

/**
 * User names use SQLite's default BINARY collation, so they are case-sensitive: FreeRADIUS compares User-Name
 * byte for byte, and `Alice` and `alice` must not silently become one account when users are imported from it.
 * `groups` is a JSON array of strings. Client secrets are stored only sealed (docs/security.md A9.1); the sealing
 * binds the client name, not the rowid, so the value can be sealed before the row exists.
 * AUTOINCREMENT keeps ids from being reused after a delete, so old log lines never point at a new row.
 */
export const migration0001: Migration = {
  number: 1,
  name: 'users-and-clients',
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        password_hash TEXT,
        groups TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(groups) AND json_type(groups) = 'array'),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE clients (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        address TEXT NOT NULL UNIQUE,
        secret_sealed TEXT NOT NULL,
        require_message_authenticator INTEGER NOT NULL DEFAULT 1 CHECK (require_message_authenticator IN (0, 1)),
        limit_proxy_state INTEGER NOT NULL DEFAULT 1 CHECK (limit_proxy_state IN (0, 1)),
        nas_timeout INTEGER NOT NULL DEFAULT 60 CHECK (nas_timeout > 0),
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
