// Owns the PostgreSQL adapter of the TokenStore port; seeds are sealed at rest (docs/security.md A9.1).
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type {
  NewToken,
  OtpAlgorithm,
  Token,
  TokenStore,
  TokenSuccess,
  TokenType,
} from '../../domain/token.js';
import { HolderSpellings, tokenConflict } from '../../domain/token-admission.js';
import { SealError, type Sealer } from '../sealer.js';
import { tokenSecretAad } from '../sqlite/sqlite-token-store.js';
import { isUniqueViolation, pgCode, queryOrFail, toStoreError } from './pg-errors.js';
import { tokenHolderLock } from './pg-locks.js';
import { inTransaction } from './pg-transaction.js';
import type { PgStoreOptions } from './pg-user-store.js';

interface TokenRow {
  /** `id`, `last_used` and `drift` are BIGINT: node-postgres returns them as strings. */
  id: string;
  serial: string;
  user_name: string;
  type: string;
  secret_sealed: string;
  algorithm: string;
  digits: number;
  period: number;
  last_used: string;
  drift: string;
  failures: number;
  locked_until: string | null;
  label: string;
  created_at: string;
}

const COLUMNS =
  'id, serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, drift, failures, ' +
  'locked_until, label, created_at';

/**
 * Tokens in PostgreSQL, the twin of SqliteTokenStore, shared by several server processes: every write that
 * guards a rule is one conditional statement (the replay guard, failure counts, backup codes), and adding
 * tokens holds a per-user advisory lock across its read and its insert (see {@link PgTokenStore.addMany}).
 */
/** Above this many users in one batch, the batch locks the table instead of each user. */
const MAX_USER_LOCKS = 32;

/**
 * Tokens per INSERT of a batch. Their columns go as nine arrays (`unnest`), so no size meets PostgreSQL's
 * 65,535 bind parameters; the bound keeps each statement well within `storage.timeoutMs`.
 */
const INSERT_SLICE = 1000;

const INSERT_MANY =
  'INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, label, ' +
  'created_at) SELECT serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, label, $10 ' +
  'FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::bigint[], ' +
  '$9::text[]) WITH ORDINALITY AS t (serial, user_name, type, secret_sealed, algorithm, digits, period, ' +
  `last_used, label, n) ORDER BY n RETURNING ${COLUMNS}`;

// Given sorted by serial (recordSuccesses sorts), joined by the serial index: rows are locked in that order.
const RECORD_SUCCESSES =
  'UPDATE tokens AS t SET last_used = m.new_last, drift = m.drift ' +
  'FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS m (serial, new_last, drift, expected) ' +
  'WHERE t.serial = m.serial AND t.last_used = m.expected AND m.new_last > t.last_used RETURNING t.serial';

/** What `tokenConflict` reads of a token already held or added earlier in the batch. */
type Held = Pick<Token, 'type' | 'secret' | 'serial'>;

export class PgTokenStore implements TokenStore {
  readonly #pool: Pool;
  readonly #sealer: Sealer;
  readonly #now: () => Date;

  constructor(pool: Pool, sealer: Sealer, options: PgStoreOptions = {}) {
    this.#pool = pool;
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
  }

  #toToken(row: TokenRow): Token {
    return {
      id: Number(row.id),
      serial: row.serial,
      userName: row.user_name,
      type: row.type as TokenType, // the CHECK constraint admits nothing else
      secret: this.#open(row.secret_sealed, row.serial),
      algorithm: row.algorithm as OtpAlgorithm,
      digits: row.digits,
      period: row.period,
      lastUsed: Number(row.last_used),
      drift: Number(row.drift),
      failures: row.failures,
      lockedUntil: row.locked_until,
      label: row.label,
      createdAt: row.created_at,
    };
  }

  #open(sealed: string, serial: string): Uint8Array {
    try {
      return this.#sealer.open(sealed, tokenSecretAad(serial));
    } catch (error) {
      // docs/security.md A9.4: a key that does not open the seeds is broken infrastructure; callers fail closed.
      const why = error instanceof SealError ? error.code : 'unknown error';
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `secret of token ${JSON.stringify(serial)} does not open (${why}): wrong key file or altered row`,
        { cause: error },
      );
    }
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
    const { rows } = await this.#query<TokenRow>(
      'listing tokens',
      `SELECT ${COLUMNS} FROM tokens ORDER BY id`,
    );
    return rows.map((row) => this.#toToken(row));
  }

  async listForUser(userName: string): Promise<Token[]> {
    const { rows } = await this.#query<TokenRow>(
      'listing tokens',
      `SELECT ${COLUMNS} FROM tokens WHERE user_name = $1 ORDER BY id`,
      [userName],
    );
    return rows.map((row) => this.#toToken(row));
  }

  async getBySerial(serial: string): Promise<Token | undefined> {
    const { rows } = await this.#query<TokenRow>(
      'reading a token',
      `SELECT ${COLUMNS} FROM tokens WHERE serial = $1`,
      [serial],
    );
    return rows[0] ? this.#toToken(rows[0]) : undefined;
  }

  async add(token: NewToken): Promise<Token> {
    return (await this.#write(() => this.#addAll([token]), 'adding a token'))[0]!;
  }

  async addMany(tokens: readonly NewToken[]): Promise<number> {
    return (await this.#write(() => this.#addAll(tokens), 'importing tokens')).length;
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

  /**
   * Adds all or none, in one transaction. The rules of `tokenConflict` read what is held before inserting,
   * which two nodes could both pass at once; so the transaction first takes the advisory lock of each user it
   * adds to (tokenHolderLock: one per name key, in ascending order so two batches cannot deadlock) and reads
   * only after holding them: a node adding `Lara` while another adds `lara` waits, then sees that token.
   */
  #addAll(tokens: readonly NewToken[]): Promise<Token[]> {
    if (tokens.length === 0) return Promise.resolve([]);
    return inTransaction(this.#pool, async (client) => {
      const locks = new Map<number, readonly [number, number]>();
      for (const token of tokens) {
        const lock = tokenHolderLock(token.userName);
        locks.set(lock[1], lock);
      }
      if (locks.size > MAX_USER_LOCKS) {
        // An import: one lock per user costs a round trip each and a slot each in PostgreSQL's shared lock table
        // (sized for about 64 per connection by default; an import of a few hundred thousand users can fill it). The table lock excludes every other adder at once; a single add takes
        // ROW EXCLUSIVE before it reads (below), so it either waits for the import or the import waits for it.
        await client.query('LOCK TABLE tokens IN SHARE ROW EXCLUSIVE MODE');
      } else {
        await client.query('LOCK TABLE tokens IN ROW EXCLUSIVE MODE');
        for (const [namespace, key] of [...locks.values()].sort((a, b) => a[1] - b[1])) {
          await client.query('SELECT pg_advisory_xact_lock($1, $2)', [namespace, key]);
        }
      }
      // One scan of the holders per batch, kept up to date as the batch goes in (an import is one batch).
      const holders = await client.query<{ user_name: string }>('SELECT DISTINCT user_name FROM tokens');
      const spellings = new HolderSpellings(holders.rows.map((row) => row.user_name));
      const names = [...new Set(tokens.map((token) => token.userName))];
      const held = await client.query<TokenRow>(
        `SELECT ${COLUMNS} FROM tokens WHERE user_name = ANY($1::text[]) ORDER BY id`,
        [names],
      );
      const heldBy = new Map<string, Held[]>();
      for (const row of held.rows) this.#heldList(heldBy, row.user_name).push(this.#toToken(row));
      const added: Token[] = [];
      for (let start = 0; start < tokens.length; start += INSERT_SLICE) {
        const slice = tokens.slice(start, start + INSERT_SLICE);
        // Each token is checked as before, in batch order, against what is held and what the batch added before
        // it. A refused token is inserted with those before it first: a used serial up to and including it is
        // still ALREADY_EXISTS, as when each token went in before its check; either way the batch rolls back.
        let refused: StoreError | undefined;
        let end = slice.length;
        for (const [i, token] of slice.entries()) {
          const others = this.#heldList(heldBy, token.userName);
          const conflict = tokenConflict(token, others, spellings.of(token.userName));
          if (conflict !== undefined) {
            refused = new StoreError(StoreErrorCode.Conflict, `token ${token.serial}: ${conflict}`);
            end = i + 1;
            break;
          }
          spellings.add(token.userName);
          others.push(token);
        }
        added.push(...(await this.#insertMany(client, end === slice.length ? slice : slice.slice(0, end))));
        if (refused !== undefined) throw refused;
      }
      return added;
    });
  }

  #heldList(heldBy: Map<string, Held[]>, userName: string): Held[] {
    let list = heldBy.get(userName);
    if (list === undefined) {
      list = [];
      heldBy.set(userName, list);
    }
    return list;
  }

  /** Inserts `tokens` (at most INSERT_SLICE) and their backup codes, two statements; returns them in order. */
  async #insertMany(client: PoolClient, tokens: readonly NewToken[]): Promise<Token[]> {
    const sealed = tokens.map((token) => this.#sealer.seal(token.secret, tokenSecretAad(token.serial)));
    const { rows } = await client.query<TokenRow>(INSERT_MANY, [
      tokens.map((token) => token.serial),
      tokens.map((token) => token.userName),
      tokens.map((token) => token.type),
      sealed,
      tokens.map((token) => token.algorithm),
      tokens.map((token) => token.digits),
      tokens.map((token) => token.period ?? 30),
      tokens.map((token) => token.lastUsed ?? -1),
      tokens.map((token) => token.label ?? ''),
      this.#now().toISOString(),
    ]);
    // RETURNING's order is not promised: match the rows to the batch by serial (unique, or the INSERT failed).
    const bySerial = new Map(rows.map((row) => [row.serial, row]));
    const tokenIds: string[] = [];
    const hashes: Buffer[] = [];
    const inserted = tokens.map((token) => {
      const row = bySerial.get(token.serial)!;
      for (const hash of token.backupCodeHashes ?? []) {
        tokenIds.push(row.id);
        hashes.push(Buffer.from(hash));
      }
      return this.#toToken(row);
    });
    if (hashes.length > 0) {
      await client.query(
        'INSERT INTO backup_codes (token_id, code_hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])',
        [tokenIds, hashes],
      );
    }
    return inserted;
  }

  async remove(serial: string): Promise<boolean> {
    // Backup codes go with their token (ON DELETE CASCADE).
    const { rowCount } = await this.#query('removing a token', 'DELETE FROM tokens WHERE serial = $1', [
      serial,
    ]);
    return rowCount > 0;
  }

  async setLabel(serial: string, label: string): Promise<boolean> {
    const { rowCount } = await this.#query(
      'renaming a token',
      'UPDATE tokens SET label = $1 WHERE serial = $2',
      [label, serial],
    );
    return rowCount > 0;
  }

  /**
   * docs/security.md A6.4: compare-and-set. Of two requests (or nodes) that verified the same code against the
   * same stored value, the second UPDATE waits for the first's row lock, then re-checks its WHERE against the new
   * row (READ COMMITTED) and changes nothing.
   */
  async recordSuccess(serial: string, success: TokenSuccess): Promise<boolean> {
    const { expectedLastUsed, newLastUsed, drift } = success;
    const { rowCount } = await this.#query(
      'recording a token success',
      'UPDATE tokens SET last_used = $1, drift = $2 WHERE serial = $3 AND last_used = $4 AND $1 > last_used',
      [newLastUsed, drift, serial, expectedLastUsed],
    );
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
    const { rowCount } = await this.#query(
      'folding the replay journal into the tokens',
      'UPDATE tokens AS t SET last_used = m.last_used, drift = m.drift ' +
        'FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS m (id, last_used, drift) ' +
        'WHERE t.id = m.id AND t.last_used < m.last_used',
      [ids, lastUsed, drifts],
    );
    return rowCount;
  }

  async recordFailure(serial: string, now: Date): Promise<number | undefined> {
    const { rows } = await this.#query<{ failures: number }>(
      'recording a token failure',
      'UPDATE tokens SET failures = failures + 1, last_failure_at = $1 WHERE serial = $2 RETURNING failures',
      [now.toISOString(), serial],
    );
    return rows[0]?.failures;
  }

  async resetFailures(serial: string): Promise<boolean> {
    const { rowCount } = await this.#query(
      'resetting token failures',
      'UPDATE tokens SET failures = 0, locked_until = NULL WHERE serial = $1',
      [serial],
    );
    return rowCount > 0;
  }

  async setLockedUntil(serial: string, lockedUntil: string | null): Promise<boolean> {
    const { rowCount } = await this.#query(
      'locking a token',
      'UPDATE tokens SET locked_until = $1 WHERE serial = $2',
      [lockedUntil, serial],
    );
    return rowCount > 0;
  }

  async useBackupCode(serial: string, codeHash: Uint8Array, now: Date): Promise<boolean> {
    const { rowCount } = await this.#query(
      'using a backup code',
      'UPDATE backup_codes SET used_at = $1 WHERE used_at IS NULL AND code_hash = $2 ' +
        "AND token_id = (SELECT id FROM tokens WHERE serial = $3 AND type = 'backup')",
      [now.toISOString(), Buffer.from(codeHash), serial],
    );
    return rowCount === 1;
  }

  async unusedBackupCodes(serial: string): Promise<number> {
    const { rows } = await this.#query<{ unused: number }>(
      'counting backup codes',
      'SELECT count(*)::int AS unused FROM backup_codes WHERE used_at IS NULL ' +
        'AND token_id = (SELECT id FROM tokens WHERE serial = $1)',
      [serial],
    );
    return rows[0]?.unused ?? 0;
  }
}
