// Owns migration 16 (PostgreSQL): `/api/v2/transactions` records and Idempotency-Key answers every node shares.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same tables, columns, constraints and indexes as SQLite's migration 16 (which explains them), with the type
 * mapping of pg-migration.ts. What differs: an ended record is announced by
 * `pg_notify('assent_api_transaction_ended', id)` from the ending statement itself (pg-api-transaction-store.ts),
 * so a node holding that record's `…/events` stream reads it again at commit; no trigger is needed.
 */
export const migration0016: PostgresMigration = {
  number: 16,
  name: 'api-transactions',
  async up(client) {
    await client.query(`
      CREATE TABLE api_transactions (
        id TEXT COLLATE "C" PRIMARY KEY,
        type TEXT COLLATE "C" NOT NULL CHECK (type IN ('push', 'code')),
        owner TEXT COLLATE "C" NOT NULL,
        user_name TEXT COLLATE "C" NOT NULL,
        status TEXT COLLATE "C" NOT NULL
          CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'failed')),
        reason TEXT COLLATE "C",
        number TEXT COLLATE "C",
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        ended_at BIGINT
      );
      CREATE INDEX api_transactions_sweep ON api_transactions (coalesce(ended_at, expires_at, created_at));

      CREATE TABLE api_idempotency_keys (
        owner TEXT COLLATE "C" NOT NULL,
        idempotency_key TEXT COLLATE "C" NOT NULL,
        body_hash TEXT COLLATE "C" NOT NULL,
        status INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
        payload TEXT COLLATE "C",
        headers TEXT COLLATE "C" CHECK (headers IS NULL OR headers::json IS NOT NULL),
        at BIGINT NOT NULL,
        PRIMARY KEY (owner, idempotency_key)
      );
      CREATE INDEX api_idempotency_keys_at ON api_idempotency_keys (at);
    `);
  },
};
