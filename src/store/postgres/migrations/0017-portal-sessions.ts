// Owns migration 17 (PostgreSQL): the user portal's sessions every node shares (SECURITY A12.2).
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same table as SQLite's migration 17: one row per portal session, keyed by the SHA-256 of the cookie's id,
 * with no CSRF token (it is derived from the id). Shared, so a browser whose next request reaches another node
 * behind a load balancer is still signed in there, and a sign-out on one node ends the session on all. A logged
 * table: the writes are one per sign-in step and at most one a minute per session otherwise, and a crash of the
 * database should sign no one out.
 */
export const migration0017: PostgresMigration = {
  number: 17,
  name: 'portal-sessions',
  async up(client) {
    await client.query(`
      CREATE TABLE portal_sessions (
        key TEXT COLLATE "C" PRIMARY KEY,
        user_name TEXT COLLATE "C" NOT NULL,
        groups TEXT COLLATE "C" NOT NULL,
        txn TEXT COLLATE "C" NOT NULL,
        stage TEXT COLLATE "C" NOT NULL CHECK (stage IN ('second-factor', 'signed-in')),
        methods TEXT COLLATE "C" NOT NULL,
        how TEXT COLLATE "C" NOT NULL,
        enroll_only INTEGER NOT NULL CHECK (enroll_only IN (0, 1)),
        started_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        code_failures INTEGER NOT NULL CHECK (code_failures >= 0),
        push_txn TEXT COLLATE "C",
        push_number TEXT COLLATE "C"
      );
      CREATE INDEX portal_sessions_started ON portal_sessions (started_at);
    `);
  },
};
