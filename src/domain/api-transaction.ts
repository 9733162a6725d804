// Owns the port of `/api/v2/transactions` records and of Idempotency-Key answers, kept where every node reads them.
import type { Awaitable } from './awaitable.js';

export type ApiTransactionStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'failed';
export type ApiTransactionEnd = Exclude<ApiTransactionStatus, 'pending'>;

/** A push or a code check an application started over the REST API, as any node reads it. */
export interface ApiTransaction {
  readonly id: string;
  readonly type: 'push' | 'code';
  /** The API key that started it: only it (or an admin or read-only key) may read it. */
  readonly owner: string;
  readonly user: string;
  readonly status: ApiTransactionStatus;
  /** A reason code of docs/errors.md once ended without approval. */
  readonly reason: string | null;
  /** PROTOCOL P7: the number the application shows for the user to pick on the phone. */
  readonly number: string | null;
  readonly createdAt: number;
  /** A pending push's deadline (epoch ms); null for what ended as it started. */
  readonly expiresAt: number | null;
  readonly endedAt: number | null;
}

/** The first answer to an Idempotency-Key, as sent (serialized), with the headers a repeat must carry. */
export interface IdempotentAnswer {
  readonly status: number;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What claiming a key found (draft-ietf-httpapi-idempotency-key-header §2.6): `claimed`, this request does the
 * work; `in-progress`, another request with the key and this body is doing it; `reused`, the key came with another
 * body; `answered`, the work is done and this is its answer.
 */
export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'reused' }
  | { readonly kind: 'answered'; readonly answer: IdempotentAnswer };

/** Ended transactions stay readable this long (docs/api.md). */
export const KEEP_ENDED_MS = 10 * 60_000;
/** Idempotency keys are remembered a day (as Stripe and others do). */
export const KEEP_IDEMPOTENCY_MS = 24 * 3600_000;
/**
 * A claim older than this belongs to a request that will never answer (its node died mid-request): the key may
 * be claimed again. Far longer than any POST takes (the database and the push services time out sooner).
 */
export const CLAIM_LAPSE_MS = 60_000;
/**
 * A push record still pending this long past its deadline lost the node that would have ended it: a read ends it
 * as `expired`. The starting node ends it at the deadline itself; the grace covers clocks and a busy event loop.
 */
export const ORPHAN_GRACE_MS = 30_000;

/** A push record its node should have ended by now, and never will (it stopped): reads answer it `expired`. */
export function isOrphaned(record: ApiTransaction, now: number): boolean {
  return record.status === 'pending' && record.expiresAt !== null && now > record.expiresAt + ORPHAN_GRACE_MS;
}

/**
 * In the database on SQLite and PostgreSQL (`api_transactions`, `api_idempotency_keys`, migration 16), so a
 * record, its end and an idempotency key hold on every node of a site and across a restart. Adapters answer
 * values (SQLite, memory) or promises (PostgreSQL).
 */
export interface ApiTransactionStore {
  /** Writes a new record (its id is fresh: 128 random bits). */
  add(record: ApiTransaction): Awaitable<void>;
  get(id: string): Awaitable<ApiTransaction | undefined>;
  /**
   * Ends a pending record; true only for the call that ended it. SECURITY A7.6: the first outcome stands, on
   * whichever node it was reached. Wakes the record's listeners on every node.
   */
  end(id: string, status: ApiTransactionEnd, reason: string | null, now: number): Awaitable<boolean>;
  /**
   * `wake` is called when `id` may have ended, here or on another node, and after a lost notice channel is back:
   * the caller reads the record again. Returns how to stop listening. Never polls.
   */
  listen(id: string, wake: () => void): () => void;
  /**
   * Claims `key` of `owner` for a request whose body hashes to `bodyHash`, unless a claim or an answer holds it
   * (one insert-if-absent: of two requests at once exactly one claims).
   */
  claim(owner: string, key: string, bodyHash: string, now: number): Awaitable<IdempotencyClaim>;
  /** Stores the answer of the claim's request; later claims of the key replay it. */
  remember(owner: string, key: string, answer: IdempotentAnswer, now: number): Awaitable<void>;
  /** Drops an unanswered claim (the request failed with a 5xx: a retry should do the work). */
  release(owner: string, key: string): Awaitable<void>;
  /** Deletes records ended `KEEP_ENDED_MS` ago and keys older than `KEEP_IDEMPOTENCY_MS`. */
  sweep(now: number): Awaitable<void>;
  /** Stops listening (PostgreSQL: ends the notice connection). */
  close(): void;
}
