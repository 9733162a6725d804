// Owns the PostgreSQL adapter of the ApiTransactionStore port: `/api/v2/transactions` records and idempotency keys
// every node of a site shares, and the notice that tells the other nodes a record ended.
import type pg from 'pg';
import {
  type ApiTransaction,
  type ApiTransactionEnd,
  type ApiTransactionStore,
  CLAIM_LAPSE_MS,
  type IdempotencyClaim,
  type IdempotentAnswer,
  KEEP_ENDED_MS,
  KEEP_IDEMPOTENCY_MS,
} from '../../domain/api-transaction.js';
import {
  API_TRANSACTION_COLUMNS,
  type ApiTransactionRow,
  addValues,
  CLAIM_SQL,
  claimFound,
  type IdempotencyRow,
  toApiTransaction,
} from '../api-transaction-rows.js';
import { EndListeners } from '../end-listeners.js';
import { queryOrFail } from './pg-errors.js';
import { PgListeningConnection } from './pg-listening-connection.js';

/** The channel a won `end` notifies, with the record's id as payload (migration 16). */
export const API_TRANSACTION_ENDED_CHANNEL = 'assent_api_transaction_ended';

const ADD = `INSERT INTO api_transactions (${API_TRANSACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const GET = `SELECT ${API_TRANSACTION_COLUMNS} FROM api_transactions WHERE id = $1`;
// SECURITY A7.6: one conditional UPDATE. A second one at once waits for the first to commit, re-checks
// `status = 'pending'` on the committed row (READ COMMITTED) and matches nothing, so exactly one caller ends the
// record. pg_notify runs once per row returned, so only the winner notifies, at commit.
const END =
  "WITH e AS (UPDATE api_transactions SET status = $2, reason = $3, ended_at = $4 WHERE id = $1 AND status = 'pending' " +
  `RETURNING id) SELECT pg_notify('${API_TRANSACTION_ENDED_CHANNEL}', e.id) FROM e`;
const READ_KEY =
  'SELECT body_hash, status, payload, headers FROM api_idempotency_keys WHERE owner = $1 AND idempotency_key = $2';
const REMEMBER =
  'UPDATE api_idempotency_keys SET status = $3, payload = $4, headers = $5, at = $6 ' +
  'WHERE owner = $1 AND idempotency_key = $2 AND status IS NULL';
const RELEASE =
  'DELETE FROM api_idempotency_keys WHERE owner = $1 AND idempotency_key = $2 AND status IS NULL';
// The expression of the index api_transactions_sweep, so the planner can use it.
const SWEEP_RECORDS = 'DELETE FROM api_transactions WHERE coalesce(ended_at, expires_at, created_at) < $1';
const SWEEP_KEYS = 'DELETE FROM api_idempotency_keys WHERE at < $1';

export interface PgApiTransactionOptions {
  /** A connection of its own for LISTEN: a pooled one would lose it when it goes back to the pool. */
  readonly connect: () => Promise<pg.Client>;
  /** How long to wait before connecting again after the connection failed (doubles up to 16×). */
  readonly retryMs: number;
  /** A lost notice connection or a failed (re)connect: reported; held streams read again once it is back. */
  readonly onError: (error: unknown) => void;
}

/**
 * Records and keys are rows every node reads, so a read, a stream or a retry may reach any node. A node holding
 * a `…/events` stream LISTENs on `API_TRANSACTION_ENDED_CHANNEL` (a connection opened at the first stream, kept
 * until `close`) and reads the record again when its id is announced. Notices sent while that connection was lost
 * go to no one: once it is back every held stream reads again, as decision notices do (pg-decision-notices.ts).
 */
export class PgApiTransactionStore implements ApiTransactionStore {
  readonly #pool: pg.Pool;
  readonly #options: PgApiTransactionOptions;
  readonly #listeners = new EndListeners();
  readonly #connection: PgListeningConnection;

  constructor(pool: pg.Pool, options: PgApiTransactionOptions) {
    this.#pool = pool;
    this.#options = options;
    this.#connection = new PgListeningConnection({
      connect: options.connect,
      channel: API_TRANSACTION_ENDED_CHANNEL,
      retryMs: options.retryMs,
      onNotification: (id) => {
        if (id !== undefined) this.#listeners.wake(id);
      },
      onReconnected: () => this.#listeners.wakeAll(),
      onError: options.onError,
      lostMessage: 'API transaction notice connection ended',
    });
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  async add(record: ApiTransaction): Promise<void> {
    await this.#query(ADD, addValues(record), 'adding an API transaction');
  }

  async get(id: string): Promise<ApiTransaction | undefined> {
    const { rows } = await this.#query<ApiTransactionRow>(GET, [id], 'reading an API transaction');
    return rows[0] === undefined ? undefined : toApiTransaction(rows[0]);
  }

  async end(id: string, status: ApiTransactionEnd, reason: string | null, now: number): Promise<boolean> {
    const { rows } = await this.#query(END, [id, status, reason, now], 'ending an API transaction');
    if (rows.length === 0) return false;
    // This node's streams need not wait for the notice's round trip (it comes too; a second read is harmless).
    this.#listeners.wake(id);
    return true;
  }

  listen(id: string, wake: () => void): () => void {
    const stop = this.#listeners.add(id, wake);
    if (this.#connection.client === undefined) {
      // The first stream opens the connection. What ended before LISTEN took effect was announced to no one:
      // read once more when it has.
      this.#connection.clientOrConnect().then(
        (client) => {
          if (client !== undefined) wake();
        },
        (error: unknown) => this.#options.onError(error),
      );
    }
    return stop;
  }

  async claim(owner: string, key: string, bodyHash: string, now: number): Promise<IdempotencyClaim> {
    const action = 'claiming an idempotency key';
    const values = [owner, key, bodyHash, now, now - KEEP_IDEMPOTENCY_MS, now - CLAIM_LAPSE_MS];
    const claimed = await this.#query(CLAIM_SQL, values, action);
    if (claimed.rows.length > 0) return { kind: 'claimed' };
    const { rows } = await this.#query<IdempotencyRow>(READ_KEY, [owner, key], action);
    return claimFound(rows[0], bodyHash);
  }

  async remember(owner: string, key: string, answer: IdempotentAnswer, now: number): Promise<void> {
    const values = [owner, key, answer.status, answer.payload, JSON.stringify(answer.headers), now];
    await this.#query(REMEMBER, values, 'remembering an idempotent answer');
  }

  async release(owner: string, key: string): Promise<void> {
    await this.#query(RELEASE, [owner, key], 'releasing an idempotency key');
  }

  async sweep(now: number): Promise<void> {
    await this.#query(SWEEP_RECORDS, [now - KEEP_ENDED_MS], 'sweeping API transactions');
    await this.#query(SWEEP_KEYS, [now - KEEP_IDEMPOTENCY_MS], 'sweeping idempotency keys');
  }

  close(): void {
    this.#connection.close();
  }
}
