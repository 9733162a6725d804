// Owns migration 5: the server's own secrets (push signing key, VAPID keys), sealed.
import type { Migration } from '../migration.js';

/** `value_sealed` is sealed with the associated data `server-secret:<name>` (SECURITY A9.1). */
export const migration0005: Migration = {
  number: 5,
  name: 'server-secrets',
  up(db) {
    db.exec(`
      CREATE TABLE server_secrets (
        name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
        value_sealed TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
