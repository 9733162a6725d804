// Owns migration 4: push devices (enrolled authenticators) and their one-time activation codes.
import type { Migration } from '../migration.js';

/**
 * `public_key` is the device's 65-octet P-256 point: public, stored in clear (SECURITY A7.3). A Web Push
 * subscription holds the keys a message is encrypted to (RFC 8291 `auth` is a secret): `delivery_sealed` is sealed
 * with the associated data `push-device:<id>:delivery` (A9.1). Activation codes are kept as SHA-256 only.
 */
export const migration0004: Migration = {
  number: 4,
  name: 'push-devices',
  up(db) {
    db.exec(`
      CREATE TABLE push_devices (
        id TEXT PRIMARY KEY CHECK (id GLOB 'ASNP[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
        user_name TEXT NOT NULL,
        public_key BLOB NOT NULL CHECK (length(public_key) = 65),
        delivery_sealed TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        last_seen_at TEXT
      ) STRICT;
      CREATE INDEX push_devices_user_name ON push_devices (user_name);

      CREATE TABLE push_activations (
        code_hash BLOB PRIMARY KEY CHECK (length(code_hash) = 32),
        user_name TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        expires_at TEXT NOT NULL,
        used_at TEXT
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
