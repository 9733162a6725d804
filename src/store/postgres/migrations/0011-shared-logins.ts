// Owns migration 11 (PostgreSQL): logins in progress (challenge sessions and push transactions) shared by the nodes.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same tables, columns, constraints and indexes as SQLite's migration 11 (which explains them), with the type
 * mapping of pg-migration.ts. Here they are used: every node reads and decides the same rows. What differs:
 *
 * - `json_valid(identity_groups)` is a `::json` cast.
 * - A decided push is announced by `pg_notify('assent_push_decided', id)` from the deciding statement itself
 *   (pg-transaction-store.ts), so the node holding the RADIUS request learns it at commit; no trigger is needed.
 */
export const migration0011: PostgresMigration = {
  number: 11,
  name: 'shared-logins',
  async up(client) {
    await client.query(`
      CREATE TABLE challenge_sessions (
        transaction_id TEXT COLLATE "C" PRIMARY KEY,
        state_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(state_hash) = 32),
        previous_hash BYTEA CHECK (previous_hash IS NULL OR octet_length(previous_hash) = 32),
        client_name TEXT COLLATE "C" NOT NULL,
        typed_name TEXT COLLATE "C" NOT NULL,
        identity_name TEXT COLLATE "C" NOT NULL,
        identity_groups TEXT COLLATE "C" NOT NULL CHECK (identity_groups::json IS NOT NULL),
        identity_source TEXT COLLATE "C" NOT NULL,
        deadline BIGINT NOT NULL,
        code_attempts INTEGER NOT NULL DEFAULT 0,
        checking_until BIGINT NOT NULL DEFAULT 0,
        pushing INTEGER NOT NULL DEFAULT 0 CHECK (pushing IN (0, 1)),
        number TEXT COLLATE "C" NOT NULL DEFAULT '',
        enroll_url TEXT COLLATE "C" NOT NULL DEFAULT '',
        user_ip TEXT COLLATE "C" NOT NULL DEFAULT '',
        ended_at BIGINT
      );
      CREATE INDEX challenge_sessions_previous ON challenge_sessions (previous_hash);
      CREATE INDEX challenge_sessions_deadline ON challenge_sessions (deadline);

      CREATE TABLE push_transactions (
        id TEXT COLLATE "C" PRIMARY KEY,
        session_id TEXT COLLATE "C" NOT NULL UNIQUE,
        user_name TEXT COLLATE "C" NOT NULL,
        client_name TEXT COLLATE "C" NOT NULL,
        user_ip TEXT COLLATE "C" NOT NULL,
        number TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL,
        deadline BIGINT NOT NULL,
        status TEXT COLLATE "C" NOT NULL
          CHECK (status IN ('push-sent', 'approved', 'denied', 'expired', 'answered-by-code')),
        reason TEXT COLLATE "C",
        decided_by TEXT COLLATE "C"
      );
      CREATE INDEX push_transactions_open ON push_transactions (user_name, created_at)
        WHERE status = 'push-sent';
      CREATE INDEX push_transactions_deadline ON push_transactions (deadline);
      CREATE INDEX push_transactions_user ON push_transactions (user_name, created_at);
      CREATE INDEX push_transactions_source ON push_transactions (user_ip, created_at);

      CREATE TABLE push_mutes (
        user_name TEXT COLLATE "C" PRIMARY KEY,
        until BIGINT NOT NULL
      );
    `);
  },
};
