// Owns migration 19 (PostgreSQL): the links of enrollment at login, shared by every node (issue 18, SECURITY A11.4).
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same table as SQLite's migration 19: one row per link a login's challenge gave, keyed by the SHA-256 of its
 * code, a TOTP key chosen on its page sealed (A9.1), spent rows kept for the hourly bounds, and one open link per
 * user by the partial unique index. Shared, so the page and the first code may reach any node. A logged table:
 * a few writes per enrolling user, a human's pace, and a crash of the database should not lose a chosen key.
 */
export const migration0019: PostgresMigration = {
  number: 19,
  name: 'enrollment-links',
  async up(client) {
    await client.query(`
      CREATE TABLE enrollment_links (
        key TEXT COLLATE "C" PRIMARY KEY,
        user_name TEXT COLLATE "C" NOT NULL,
        transaction_id TEXT COLLATE "C" NOT NULL,
        source TEXT COLLATE "C" NOT NULL,
        issued_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        state TEXT COLLATE "C" NOT NULL CHECK (state IN ('open', 'spent')),
        totp_sealed TEXT COLLATE "C"
      );
      CREATE UNIQUE INDEX enrollment_links_open ON enrollment_links (user_name) WHERE state = 'open';
      CREATE INDEX enrollment_links_user ON enrollment_links (user_name, issued_at);
      CREATE INDEX enrollment_links_source ON enrollment_links (source, issued_at);
      CREATE INDEX enrollment_links_issued ON enrollment_links (issued_at);
    `);
  },
};
