// Owns migration 19: the links of enrollment at login in the database instead of each node's memory (issue 18,
// SECURITY A11.4).
import type { Migration } from '../migration.js';

/**
 * `enrollment_links` holds one row per link a login's challenge gave (domain/enrollment-link-store.ts). In memory
 * a restart forgot them, and behind a load balancer the link's page, its TOTP key and that key's first code had
 * to reach the node that gave the link. Links stay unusable to a reader of the file: `key` is the SHA-256 of the
 * code, and a TOTP key chosen on the page is sealed as token seeds are (`totp_sealed`, A9.1). A spent or replaced
 * link stays (`state` 'spent', no key) until an hour after its issue, because the hourly bounds count rows.
 * The partial unique index is the one open link per user, whichever node issues. Times are epoch ms. The other
 * indexes serve the per-user and per-source counts and the sweep. Not in the change feed: every use reads its row.
 */
export const migration0019: Migration = {
  number: 19,
  name: 'enrollment-links',
  up(db) {
    db.exec(`
      CREATE TABLE enrollment_links (
        key TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        source TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'spent')),
        totp_sealed TEXT
      ) STRICT;
      CREATE UNIQUE INDEX enrollment_links_open ON enrollment_links (user_name) WHERE state = 'open';
      CREATE INDEX enrollment_links_user ON enrollment_links (user_name, issued_at);
      CREATE INDEX enrollment_links_source ON enrollment_links (source, issued_at);
      CREATE INDEX enrollment_links_issued ON enrollment_links (issued_at);
    `);
  },
};
