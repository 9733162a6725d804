// Owns migration 2: second-factor tokens and their one-time backup codes.
import type { Migration } from '../migration.js';

/**
 * `user_name` is not a foreign key: tokens may belong to users of an external directory (LDAP) later.
 * `secret_sealed` is sealed with the associated data `token:<serial>:secret` (docs/security.md A9.1).
 * `last_used` is the A6.4 replay guard (last accepted TOTP step or HOTP counter, −1 when none); it only grows,
 * through a compare-and-set UPDATE. Backup codes are stored as SHA-256 hashes only (A9.2) and are removed with
 * their token.
 */
export const migration0002: Migration = {
  number: 2,
  name: 'tokens',
  up(db) {
    db.exec(`
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        serial TEXT NOT NULL UNIQUE,
        user_name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('totp', 'hotp', 'backup')),
        secret_sealed TEXT NOT NULL,
        algorithm TEXT NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
        digits INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 10),
        period INTEGER NOT NULL DEFAULT 30 CHECK (period BETWEEN 15 AND 120),
        last_used INTEGER NOT NULL DEFAULT -1 CHECK (last_used >= -1),
        drift INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        last_failure_at TEXT,
        locked_until TEXT,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX tokens_user_name ON tokens (user_name);

      CREATE TABLE backup_codes (
        token_id INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
        code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
        used_at TEXT,
        PRIMARY KEY (token_id, code_hash)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
