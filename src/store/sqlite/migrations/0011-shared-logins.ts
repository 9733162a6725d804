// Owns migration 11: logins in progress (challenge sessions and push transactions) as rows several nodes share.
import type { Migration } from '../migration.js';

/**
 * A PostgreSQL site runs several nodes, and a NAS that fails over sends the answer to a challenge to another node
 * than the one that asked: the challenge and the push it starts must be rows every node reads (docs/storage.md
 * "Logins across nodes"). A SQLite file belongs to one server, which keeps both in memory: these tables stay empty
 * there and exist so both databases have one schema (pg-schema-parity.test.ts compares them).
 *
 * `challenge_sessions` holds one row per login between its first factor and its end, keyed by transaction id.
 * The State itself is not stored, only its SHA-256 (`state_hash`): a row read from the database cannot answer a
 * challenge. `previous_hash` is the State a re-challenge replaced, so its late resend is logged as used, not
 * unknown. `checking_until` (epoch ms) claims the session while one node checks a typed code (SECURITY A4.3); a
 * node that dies meanwhile leaves a claim that lapses. `ended_at` marks the one terminal transition; ended rows are
 * kept a short while for the same logging reason, then deleted.
 *
 * `push_transactions` is the store of domain/push-transaction.ts: one row per push, its status moved out of
 * `push-sent` exactly once by a conditional update. Its rows are also what the push limits count (SECURITY A7.7:
 * pushes per user and per source address in a window), so every node counts the same pushes;
 * `push_transactions_user` and `push_transactions_source` serve those counts. `push_mutes` holds "this wasn't me" mutes (A7.8)
 * until their end (epoch ms), so a mute reported on one node stops pushes sent by any.
 */
export const migration0011: Migration = {
  number: 11,
  name: 'shared-logins',
  up(db) {
    db.exec(`
      CREATE TABLE challenge_sessions (
        transaction_id TEXT PRIMARY KEY,
        state_hash BLOB NOT NULL UNIQUE CHECK (length(state_hash) = 32),
        previous_hash BLOB CHECK (previous_hash IS NULL OR length(previous_hash) = 32),
        client_name TEXT NOT NULL,
        typed_name TEXT NOT NULL,
        identity_name TEXT NOT NULL,
        identity_groups TEXT NOT NULL CHECK (json_valid(identity_groups)),
        identity_source TEXT NOT NULL,
        deadline INTEGER NOT NULL,
        code_attempts INTEGER NOT NULL DEFAULT 0,
        checking_until INTEGER NOT NULL DEFAULT 0,
        pushing INTEGER NOT NULL DEFAULT 0 CHECK (pushing IN (0, 1)),
        number TEXT NOT NULL DEFAULT '',
        enroll_url TEXT NOT NULL DEFAULT '',
        user_ip TEXT NOT NULL DEFAULT '',
        ended_at INTEGER
      ) STRICT;
      CREATE INDEX challenge_sessions_previous ON challenge_sessions (previous_hash);
      CREATE INDEX challenge_sessions_deadline ON challenge_sessions (deadline);

      CREATE TABLE push_transactions (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL UNIQUE,
        user_name TEXT NOT NULL,
        client_name TEXT NOT NULL,
        user_ip TEXT NOT NULL,
        number TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('push-sent', 'approved', 'denied', 'expired', 'answered-by-code')),
        reason TEXT,
        decided_by TEXT
      ) STRICT;
      CREATE INDEX push_transactions_open ON push_transactions (user_name, created_at)
        WHERE status = 'push-sent';
      CREATE INDEX push_transactions_deadline ON push_transactions (deadline);
      CREATE INDEX push_transactions_user ON push_transactions (user_name, created_at);
      CREATE INDEX push_transactions_source ON push_transactions (user_ip, created_at);

      CREATE TABLE push_mutes (
        user_name TEXT PRIMARY KEY,
        until INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
