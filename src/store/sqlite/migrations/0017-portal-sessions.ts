// Owns migration 17: the user portal's sessions in the database instead of each node's memory (SECURITY A12.2).
import type { Migration } from '../migration.js';

/**
 * `portal_sessions` holds one row per browser signed in, or signing in, to the user portal
 * (domain/portal-session-store.ts). In memory a restart signed everyone out. Secrets stay out: `key` is the SHA-256
 * of the cookie's id and the CSRF token is derived from the id, never stored (A12.2, A12.3). `groups` and
 * `methods` are JSON arrays; times are epoch ms. The index on `started_at` finds the oldest session when the bound
 * is reached. Not in the change feed: every request reads its row afresh.
 */
export const migration0017: Migration = {
  number: 17,
  name: 'portal-sessions',
  up(db) {
    db.exec(`
      CREATE TABLE portal_sessions (
        key TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        groups TEXT NOT NULL,
        txn TEXT NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('second-factor', 'signed-in')),
        methods TEXT NOT NULL,
        how TEXT NOT NULL,
        enroll_only INTEGER NOT NULL CHECK (enroll_only IN (0, 1)),
        started_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        code_failures INTEGER NOT NULL CHECK (code_failures >= 0),
        push_txn TEXT,
        push_number TEXT
      ) STRICT;
      CREATE INDEX portal_sessions_started ON portal_sessions (started_at);
    `);
  },
};
