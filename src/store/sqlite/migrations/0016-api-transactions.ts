// Owns migration 16: `/api/v2/transactions` records and Idempotency-Key answers in the database.
import type { Migration } from '../migration.js';

/**
 * Until now both lived in the memory of the node that started the transaction: behind a load balancer a read on
 * another node was 404, its `…/events` never ended, and a retried POST reaching another node sent a second push;
 * a restart forgot them. As rows every node reads (PostgreSQL) and that outlive a restart (SQLite), they do not
 * (docs/storage.md "Logins across nodes").
 *
 * `api_transactions`: one row per transaction, its status moved out of `pending` once by a conditional update
 * (SECURITY A7.6: the first outcome stands). Times are epoch ms. `api_transactions_sweep` indexes the moment a
 * row's keeping starts (its end, else its deadline, else its start) for the sweep that deletes rows kept ten
 * minutes past it.
 *
 * `api_idempotency_keys`: one row per API key name and Idempotency-Key (draft-ietf-httpapi-idempotency-key-header).
 * A row with `status` NULL is a claim: a request with the key is running; `at` is then when it was claimed, and a
 * claim a minute old lapses (its node died mid-request). Otherwise it holds the answer (`status`, `payload`, the
 * replayed `headers` as JSON) and `at` is when it was given; `api_idempotency_keys_at` serves the sweep of rows a
 * day old.
 */
export const migration0016: Migration = {
  number: 16,
  name: 'api-transactions',
  up(db) {
    db.exec(`
      CREATE TABLE api_transactions (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('push', 'code')),
        owner TEXT NOT NULL,
        user_name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'failed')),
        reason TEXT,
        number TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        ended_at INTEGER
      ) STRICT;
      CREATE INDEX api_transactions_sweep ON api_transactions (coalesce(ended_at, expires_at, created_at));

      CREATE TABLE api_idempotency_keys (
        owner TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        status INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
        payload TEXT,
        headers TEXT CHECK (headers IS NULL OR json_valid(headers)),
        at INTEGER NOT NULL,
        PRIMARY KEY (owner, idempotency_key)
      ) STRICT;
      CREATE INDEX api_idempotency_keys_at ON api_idempotency_keys (at);
    `);
  },
};
