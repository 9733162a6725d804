// Owns migration 4 (PostgreSQL): push devices (enrolled authenticators) and their one-time activation codes.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * As SQLite's migration 4, with the type mapping of pg-migration.ts: the id's GLOB `ASNP` + eight digits is
 * the anchored regular expression `^ASNP[0-9]{8}$`, and `push_devices.id` is NOT NULL (a primary key).
 */
export const migration0004: PostgresMigration = {
  number: 4,
  name: 'push-devices',
  async up(client) {
    await client.query(`
      CREATE TABLE push_devices (
        id TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^ASNP[0-9]{8}$'),
        user_name TEXT COLLATE "C" NOT NULL,
        public_key BYTEA NOT NULL CHECK (octet_length(public_key) = 65),
        delivery_sealed TEXT COLLATE "C" NOT NULL,
        label TEXT COLLATE "C" NOT NULL DEFAULT '',
        created_at TEXT COLLATE "C" NOT NULL,
        last_seen_at TEXT COLLATE "C"
      );
      CREATE INDEX push_devices_user_name ON push_devices (user_name);

      CREATE TABLE push_activations (
        code_hash BYTEA PRIMARY KEY CHECK (octet_length(code_hash) = 32),
        user_name TEXT COLLATE "C" NOT NULL,
        label TEXT COLLATE "C" NOT NULL DEFAULT '',
        expires_at TEXT COLLATE "C" NOT NULL,
        used_at TEXT COLLATE "C"
      );
    `);
  },
};
