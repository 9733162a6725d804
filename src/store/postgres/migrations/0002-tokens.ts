// Owns migration 2 (PostgreSQL): second-factor tokens and their one-time backup codes.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * As SQLite's migration 2, with the type mapping of pg-migration.ts. `last_used` and `drift` are BIGINT: an
 * HOTP counter is 8 octets (RFC 4226 §5.1), and SQLite's INTEGER holds it; the compare-and-set writes both
 * together. `backup_codes.token_id` is BIGINT like the id it references. The foreign key needs no switch
 * here: PostgreSQL always enforces it, where SQLite needs `PRAGMA foreign_keys = ON` (open-sqlite.ts sets
 * it).
 */
export const migration0002: PostgresMigration = {
  number: 2,
  name: 'tokens',
  async up(client) {
    await client.query(`
      CREATE TABLE tokens (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        serial TEXT COLLATE "C" NOT NULL UNIQUE,
        user_name TEXT COLLATE "C" NOT NULL,
        type TEXT COLLATE "C" NOT NULL CHECK (type IN ('totp', 'hotp', 'backup')),
        secret_sealed TEXT COLLATE "C" NOT NULL,
        algorithm TEXT COLLATE "C" NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
        digits INTEGER NOT NULL CHECK (digits BETWEEN 6 AND 10),
        period INTEGER NOT NULL DEFAULT 30 CHECK (period BETWEEN 15 AND 120),
        last_used BIGINT NOT NULL DEFAULT -1 CHECK (last_used >= -1),
        drift BIGINT NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        last_failure_at TEXT COLLATE "C",
        locked_until TEXT COLLATE "C",
        label TEXT COLLATE "C" NOT NULL DEFAULT '',
        created_at TEXT COLLATE "C" NOT NULL
      );
      CREATE INDEX tokens_user_name ON tokens (user_name);

      CREATE TABLE backup_codes (
        token_id BIGINT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
        code_hash BYTEA NOT NULL CHECK (octet_length(code_hash) = 32),
        used_at TEXT COLLATE "C",
        PRIMARY KEY (token_id, code_hash)
      );
    `);
  },
};
