// Owns migration 18: authenticator-app secrets waiting for their first code in the database instead of each node's
// memory (SECURITY A12.6).
import type { Migration } from '../migration.js';

/**
 * `pending_totps` holds one row per secret the portal showed (QR code) and no code has proved yet
 * (domain/pending-totp-store.ts). In memory a restart forgot it, and behind a load balancer the first code was
 * refused on any node but the one that showed it. Secrets stay unusable to a reader of the file: `key` is the
 * SHA-256 of the id the browser holds, and the TOTP secret is sealed as token seeds are (`secret_sealed`, A9.1).
 * Times are epoch ms. The indexes serve the per-user bound (`user_name, expires_at`) and the sweep and global
 * bound (`expires_at`). Not in the change feed: a confirmation reads its row afresh.
 */
export const migration0018: Migration = {
  number: 18,
  name: 'pending-totps',
  up(db) {
    db.exec(`
      CREATE TABLE pending_totps (
        key TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        label TEXT NOT NULL,
        issuer TEXT NOT NULL,
        secret_sealed TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX pending_totps_user ON pending_totps (user_name, expires_at);
      CREATE INDEX pending_totps_expires ON pending_totps (expires_at);
    `);
  },
};
