// Owns the SQLite adapter of the ApiTransactionStore port: `/api/v2/transactions` records and idempotency keys
// that outlive a restart.
import type Database from 'better-sqlite3';
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
import { toStoreError } from './sqlite-errors.js';

// Each $n of the shared statement appears once, in order: SQLite's anonymous parameters take them as they come.
const sqlite = (text: string) => text.replace(/\$\d+/g, '?');

/**
 * One server owns a SQLite file, so the listeners of this process are all there are: a won `end` wakes them at
 * once. Every call is one prepared statement.
 */
export class SqliteApiTransactionStore implements ApiTransactionStore {
  readonly #add: Database.Statement<unknown[]>;
  readonly #get: Database.Statement<[string], ApiTransactionRow>;
  readonly #end: Database.Statement<unknown[]>;
  readonly #claim: Database.Statement<unknown[], { claimed: number }>;
  readonly #read: Database.Statement<[string, string], IdempotencyRow>;
  readonly #remember: Database.Statement<unknown[]>;
  readonly #release: Database.Statement<[string, string]>;
  readonly #sweepRecords: Database.Statement<[number]>;
  readonly #sweepKeys: Database.Statement<[number]>;
  readonly #listeners = new EndListeners();

  constructor(db: Database.Database) {
    this.#add = db.prepare(
      `INSERT INTO api_transactions (${API_TRANSACTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#get = db.prepare(`SELECT ${API_TRANSACTION_COLUMNS} FROM api_transactions WHERE id = ?`);
    this.#end = db.prepare(
      "UPDATE api_transactions SET status = ?, reason = ?, ended_at = ? WHERE id = ? AND status = 'pending'",
    );
    this.#claim = db.prepare(sqlite(CLAIM_SQL));
    this.#read = db.prepare(
      'SELECT body_hash, status, payload, headers FROM api_idempotency_keys WHERE owner = ? AND idempotency_key = ?',
    );
    this.#remember = db.prepare(
      'UPDATE api_idempotency_keys SET status = ?, payload = ?, headers = ?, at = ? ' +
        'WHERE owner = ? AND idempotency_key = ? AND status IS NULL',
    );
    this.#release = db.prepare(
      'DELETE FROM api_idempotency_keys WHERE owner = ? AND idempotency_key = ? AND status IS NULL',
    );
    this.#sweepRecords = db.prepare(
      'DELETE FROM api_transactions WHERE coalesce(ended_at, expires_at, created_at) < ?',
    );
    this.#sweepKeys = db.prepare('DELETE FROM api_idempotency_keys WHERE at < ?');
  }

  add(record: ApiTransaction): void {
    this.#run(() => this.#add.run(...addValues(record)), 'adding an API transaction');
  }

  get(id: string): ApiTransaction | undefined {
    const row = this.#run(() => this.#get.get(id), 'reading an API transaction');
    return row === undefined ? undefined : toApiTransaction(row);
  }

  end(id: string, status: ApiTransactionEnd, reason: string | null, now: number): boolean {
    const { changes } = this.#run(() => this.#end.run(status, reason, now, id), 'ending an API transaction');
    if (changes === 0) return false;
    this.#listeners.wake(id);
    return true;
  }

  listen(id: string, wake: () => void): () => void {
    return this.#listeners.add(id, wake);
  }

  claim(owner: string, key: string, bodyHash: string, now: number): IdempotencyClaim {
    return this.#run(() => {
      const claimed = this.#claim.get(
        owner,
        key,
        bodyHash,
        now,
        now - KEEP_IDEMPOTENCY_MS,
        now - CLAIM_LAPSE_MS,
      );
      return claimed !== undefined ? { kind: 'claimed' } : claimFound(this.#read.get(owner, key), bodyHash);
    }, 'claiming an idempotency key');
  }

  remember(owner: string, key: string, answer: IdempotentAnswer, now: number): void {
    const headers = JSON.stringify(answer.headers);
    this.#run(
      () => this.#remember.run(answer.status, answer.payload, headers, now, owner, key),
      'remembering an idempotent answer',
    );
  }

  release(owner: string, key: string): void {
    this.#run(() => this.#release.run(owner, key), 'releasing an idempotency key');
  }

  sweep(now: number): void {
    this.#run(() => {
      this.#sweepRecords.run(now - KEEP_ENDED_MS);
      this.#sweepKeys.run(now - KEEP_IDEMPOTENCY_MS);
    }, 'sweeping API transactions');
  }

  close(): void {}

  #run<T>(fn: () => T, action: string): T {
    try {
      return fn();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}
