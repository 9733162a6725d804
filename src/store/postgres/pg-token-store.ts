// Owns the PostgreSQL adapter of the TokenStore port; seeds are sealed at rest (docs/security.md A9.1).
import type { Pool, QueryResultRow } from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { NewToken, Token, TokenStore, TokenSuccess } from '../../domain/token.js';
import type { Sealer } from '../sealer.js';
import { isUniqueViolation, pgCode, queryOrFail, toStoreError } from './pg-errors.js';
import { addTokens } from './pg-token-inserts.js';
import {
  APPLY_REPLAY_MARKS,
  GET_BY_SERIAL,
  LIST,
  LIST_FOR_USER,
  RECORD_FAILURE,
  RECORD_SUCCESS,
  RECORD_SUCCESSES,
  REMOVE,
  RESET_FAILURES,
  SET_LABEL,
  SET_LOCKED_UNTIL,
  type TokenRow,
  toToken,
  UNUSED_BACKUP_CODES,
  USE_BACKUP_CODE,
} from './pg-token-statements.js';
import type { PgStoreOptions } from './pg-user-store.js';

/**
 * Tokens in PostgreSQL, the twin of SqliteTokenStore, shared by several server processes: every write that
 * guards a rule is one conditional statement (the replay guard, failure counts, backup codes), and adding
 * tokens holds a per-user advisory lock across its read and its insert (see {@link PgTokenStore.addMany}).
 * The SQL is in pg-token-statements.ts; adding tokens, all or none, in pg-token-inserts.ts.
 */
export class PgTokenStore implements TokenStore {
  readonly #pool: Pool;
  readonly #sealer: Sealer;
  readonly #now: () => Date;

  constructor(pool: Pool, sealer: Sealer, options: PgStoreOptions = {}) {
    this.#pool = pool;
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
  }

  /** Runs one statement on the pool; a driver failure becomes STORE_UNAVAILABLE naming `action`. */
  async #query<R extends QueryResultRow = QueryResultRow>(
    action: string,
    sql: string,
    values: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number }> {
    const result = await queryOrFail<R>(this.#pool, sql, values, action);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  async list(): Promise<Token[]> {
    const { rows } = await this.#query<TokenRow>('listing tokens', LIST);
    return rows.map((row) => toToken(row, this.#sealer));
  }

  async listForUser(userName: string): Promise<Token[]> {
    const { rows } = await this.#query<TokenRow>('listing tokens', LIST_FOR_USER, [userName]);
    return rows.map((row) => toToken(row, this.#sealer));
  }

  async getBySerial(serial: string): Promise<Token | undefined> {
    const { rows } = await this.#query<TokenRow>('reading a token', GET_BY_SERIAL, [serial]);
    return rows[0] ? toToken(rows[0], this.#sealer) : undefined;
  }

  async add(token: NewToken): Promise<Token> {
    return (await this.#write(() => this.#addAll([token]), 'adding a token'))[0]!;
  }

  /** Adds all or none, holding each user's advisory lock (or a table lock) across its read and its insert. */
  async addMany(tokens: readonly NewToken[]): Promise<number> {
    return (await this.#write(() => this.#addAll(tokens), 'importing tokens')).length;
  }

  #addAll(tokens: readonly NewToken[]): Promise<Token[]> {
    return addTokens(this.#pool, this.#sealer, this.#now, tokens);
  }

  async #write<T>(run: () => Promise<T>, action: string): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError(StoreErrorCode.AlreadyExists, 'a token with this serial already exists', {
          cause: error,
        });
      }
      throw toStoreError(error, action);
    }
  }

  async remove(serial: string): Promise<boolean> {
    // Backup codes go with their token (ON DELETE CASCADE).
    const { rowCount } = await this.#query('removing a token', REMOVE, [serial]);
    return rowCount > 0;
  }

  async setLabel(serial: string, label: string): Promise<boolean> {
    const { rowCount } = await this.#query('renaming a token', SET_LABEL, [label, serial]);
    return rowCount > 0;
  }

  /**
   * docs/security.md A6.4: compare-and-set. Of two requests (or nodes) that verified the same code against the
   * same stored value, the second UPDATE waits for the first's row lock, then re-checks its WHERE against the new
   * row (READ COMMITTED) and changes nothing.
   */
  async recordSuccess(serial: string, success: TokenSuccess): Promise<boolean> {
    const { expectedLastUsed, newLastUsed, drift } = success;
    const { rowCount } = await this.#query('recording a token success', RECORD_SUCCESS, [
      newLastUsed,
      drift,
      serial,
      expectedLastUsed,
    ]);
    return rowCount === 1;
  }

  /**
   * A6.4 for a batch: the compare-and-sets of one flush in one statement (one round trip, one plan, one commit
   * instead of one each). Each row is re-checked against its newest version as in `recordSuccess`. Rows are locked
   * in serial order, so two nodes flushing overlapping batches do not deadlock in the common plan; should
   * PostgreSQL still report a deadlock (40P01), the batch is done one statement per token.
   */
  async recordSuccesses(items: readonly { serial: string; success: TokenSuccess }[]): Promise<boolean[]> {
    const order = items.map((_, i) => i).sort((a, b) => (items[a]!.serial < items[b]!.serial ? -1 : 1));
    const serials: string[] = [];
    const newLast: number[] = [];
    const drifts: number[] = [];
    const expected: number[] = [];
    for (const i of order) {
      const { serial, success } = items[i]!;
      serials.push(serial);
      newLast.push(success.newLastUsed);
      drifts.push(success.drift);
      expected.push(success.expectedLastUsed);
    }
    let moved: Set<string>;
    try {
      const { rows } = await this.#pool.query<{ serial: string }>(RECORD_SUCCESSES, [
        serials,
        newLast,
        drifts,
        expected,
      ]);
      moved = new Set(rows.map((row) => row.serial));
    } catch (error) {
      if (pgCode(error) === '40P01') {
        return Promise.all(items.map((item) => this.recordSuccess(item.serial, item.success)));
      }
      throw toStoreError(error, 'recording token successes');
    }
    return items.map((item) => moved.has(item.serial));
  }

  /**
   * Moves `lastUsed` forward to the journal's marks (token id → mark) in one statement; never backwards (A6.4),
   * whatever another node wrote meanwhile.
   * @returns how many tokens moved
   */
  async applyReplayMarks(marks: ReadonlyMap<number, { lastUsed: number; drift: number }>): Promise<number> {
    if (marks.size === 0) return 0;
    const ids: number[] = [];
    const lastUsed: number[] = [];
    const drifts: number[] = [];
    for (const [id, mark] of marks) {
      ids.push(id);
      lastUsed.push(mark.lastUsed);
      drifts.push(mark.drift);
    }
    const { rowCount } = await this.#query('folding the replay journal into the tokens', APPLY_REPLAY_MARKS, [
      ids,
      lastUsed,
      drifts,
    ]);
    return rowCount;
  }

  async recordFailure(serial: string, now: Date): Promise<number | undefined> {
    const { rows } = await this.#query<{ failures: number }>('recording a token failure', RECORD_FAILURE, [
      now.toISOString(),
      serial,
    ]);
    return rows[0]?.failures;
  }

  async resetFailures(serial: string): Promise<boolean> {
    const { rowCount } = await this.#query('resetting token failures', RESET_FAILURES, [serial]);
    return rowCount > 0;
  }

  async setLockedUntil(serial: string, lockedUntil: string | null): Promise<boolean> {
    const { rowCount } = await this.#query('locking a token', SET_LOCKED_UNTIL, [lockedUntil, serial]);
    return rowCount > 0;
  }

  async useBackupCode(serial: string, codeHash: Uint8Array, now: Date): Promise<boolean> {
    const { rowCount } = await this.#query('using a backup code', USE_BACKUP_CODE, [
      now.toISOString(),
      Buffer.from(codeHash),
      serial,
    ]);
    return rowCount === 1;
  }

  async unusedBackupCodes(serial: string): Promise<number> {
    const { rows } = await this.#query<{ unused: number }>('counting backup codes', UNUSED_BACKUP_CODES, [
      serial,
    ]);
    return rows[0]?.unused ?? 0;
  }
}
