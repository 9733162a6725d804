// Owns migration 18 (PostgreSQL): authenticator-app secrets waiting for their first code, shared by every node
// (SECURITY A12.6).
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same table as SQLite's migration 18: one row per secret the portal showed and no code has proved yet, keyed
 * by the SHA-256 of the id the browser holds, the secret sealed (A9.1). Shared, so the app's first code may be
 * typed on any node. A logged table: one write when the secret is shown and one when it is confirmed, a human's
 * pace, and a crash of the database should not make the user scan a new QR code.
 */
export const migration0018: PostgresMigration = {
  number: 18,
  name: 'pending-totps',
  async up(client) {
    await client.query(`
      CREATE TABLE pending_totps (
        key TEXT COLLATE "C" PRIMARY KEY,
        user_name TEXT COLLATE "C" NOT NULL,
        label TEXT COLLATE "C" NOT NULL,
        issuer TEXT COLLATE "C" NOT NULL,
        secret_sealed TEXT COLLATE "C" NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX pending_totps_user ON pending_totps (user_name, expires_at);
      CREATE INDEX pending_totps_expires ON pending_totps (expires_at);
    `);
  },
};
