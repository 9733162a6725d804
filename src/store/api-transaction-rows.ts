// Owns the rows of `api_transactions` and `api_idempotency_keys` (migration 16) as both SQL adapters read and
// write them: the columns, the claim statement, and the mapping to the port's values.
import type { ApiTransaction, IdempotencyClaim } from '../domain/api-transaction.js';

export interface ApiTransactionRow {
  id: string;
  type: string;
  owner: string;
  user_name: string;
  status: string;
  reason: string | null;
  number: string | null;
  created_at: number | string;
  expires_at: number | string | null;
  ended_at: number | string | null;
}

export interface IdempotencyRow {
  body_hash: string;
  status: number | null;
  payload: string | null;
  headers: string | null;
}

export const API_TRANSACTION_COLUMNS =
  'id, type, owner, user_name, status, reason, number, created_at, expires_at, ended_at';

/**
 * Claims a key, or takes over one whose claim lapsed or whose answer is a day old; nothing when another request
 * holds it. One statement, so of two claims exactly one inserts or updates the row (the other gets no row back).
 * Parameters: owner, key, body hash, now, the oldest answer kept, the oldest claim kept.
 */
export const CLAIM_SQL =
  'INSERT INTO api_idempotency_keys (owner, idempotency_key, body_hash, at) VALUES ($1, $2, $3, $4) ' +
  'ON CONFLICT (owner, idempotency_key) DO UPDATE SET body_hash = excluded.body_hash, status = NULL, ' +
  'payload = NULL, headers = NULL, at = excluded.at ' +
  'WHERE (api_idempotency_keys.status IS NOT NULL AND api_idempotency_keys.at < $5) ' +
  'OR (api_idempotency_keys.status IS NULL AND api_idempotency_keys.at < $6) RETURNING 1 AS claimed';

/** The record as the port returns it; BIGINT arrives from PostgreSQL as a string. */
export function toApiTransaction(row: ApiTransactionRow): ApiTransaction {
  const ms = (value: number | string | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    // Written only from the port's values; the table's CHECKs keep them so.
    type: row.type as ApiTransaction['type'],
    owner: row.owner,
    user: row.user_name,
    status: row.status as ApiTransaction['status'],
    reason: row.reason,
    number: row.number,
    createdAt: Number(row.created_at),
    expiresAt: ms(row.expires_at),
    endedAt: ms(row.ended_at),
  };
}

/** What a claim that inserted nothing found in the row. */
export function claimFound(row: IdempotencyRow | undefined, bodyHash: string): IdempotencyClaim {
  // The row went between the claim and this read (released or swept): another request is deciding it now.
  if (row === undefined) return { kind: 'in-progress' };
  if (row.body_hash !== bodyHash) return { kind: 'reused' };
  if (row.status === null) return { kind: 'in-progress' };
  return {
    kind: 'answered',
    answer: {
      status: row.status,
      payload: row.payload ?? '',
      headers: JSON.parse(row.headers ?? '{}') as Record<string, string>,
    },
  };
}

/** The values of `add`'s INSERT, in API_TRANSACTION_COLUMNS order. */
export const addValues = (r: ApiTransaction) => [
  r.id,
  r.type,
  r.owner,
  r.user,
  r.status,
  r.reason,
  r.number,
  r.createdAt,
  r.expiresAt,
  r.endedAt,
];
