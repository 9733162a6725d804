// Owns the PostgreSQL adapter of the SignInStore port: batched appends, each user's sign-ins as a chain
// (migration 9).
import type pg from 'pg';
import type { NewSignIn, SignIn, SignInMethod, SignInStore } from '../../domain/sign-in.js';
import { queryOrFail, toStoreError } from './pg-errors.js';
import { inTransaction } from './pg-transaction.js';

interface SignInRow {
  /** BIGINT: node-postgres returns it as a string. */
  id: string;
  user_name: string;
  at: string;
  client: string;
  user_ip: string;
  result: string;
  how: string;
  reason: string;
  txn: string;
  not_me_at: string | null;
}

const COLUMNS = 'id, user_name, at, client, user_ip, result, how, reason, txn, not_me_at';
const S_COLUMNS =
  's.id, s.user_name, s.at, s.client, s.user_ip, s.result, s.how, s.reason, s.txn, s.not_me_at';

/** The heads table is brought up to date after this many rows (readers scan at most these beyond it). */
const HEADS_EVERY_ROWS = 20_000;
/** Users whose newest id is remembered between batches; beyond, the memory starts over. */
const MAX_REMEMBERED_HEADS = 100_000;

// Writers of every node take turns on the one state row, held to their commit: ids are given by the writer
// (the chain is built before the insert), so two batches numbering rows at once would collide. Under READ
// COMMITTED (pg-transaction.ts) every later statement of the batch sees what the node before committed.
const LOCK = 'SELECT 1 FROM sign_in_state WHERE one = 1 FOR UPDATE';
const UPTO = 'SELECT heads_upto FROM sign_in_state WHERE one = 1';
// Heads and the mark only move forward: a fold and a write of remembered heads may both name a user.
const SET_UPTO = 'UPDATE sign_in_state SET heads_upto = GREATEST(heads_upto, $1) WHERE one = 1';
const RAISE =
  'ON CONFLICT (user_name) DO UPDATE SET last_id = GREATEST(sign_in_heads.last_id, excluded.last_id)';
const RAISE_HEADS = `INSERT INTO sign_in_heads (user_name, last_id) SELECT * FROM unnest($1::text[], $2::bigint[]) ${RAISE}`;
const FOLD_TAIL =
  'INSERT INTO sign_in_heads (user_name, last_id) ' +
  `SELECT user_name, max(id) FROM sign_ins WHERE id > $1 GROUP BY user_name ${RAISE}`;
const HEADS_OF = 'SELECT user_name, last_id FROM sign_in_heads WHERE user_name = ANY($1::text[])';
const MAX_ID = 'SELECT max(id) AS last FROM sign_ins';
// A batch is one statement whatever its size: one column array per parameter, so no limit on parameters.
const INSERT =
  'INSERT INTO sign_ins (id, user_name, at, client, user_ip, result, how, reason, txn, prev_id) ' +
  'SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], ' +
  '$8::text[], $9::text[], $10::bigint[])';
const GET = `SELECT ${COLUMNS} FROM sign_ins WHERE id = $1`;
const MARK_NOT_ME = 'UPDATE sign_ins SET not_me_at = $1 WHERE id = $2 AND not_me_at IS NULL';
// Ids follow time: the first row not older ends what may go (reads only the rows about to be deleted).
const FIRST_NOT_OLDER = 'SELECT id FROM sign_ins WHERE at >= $1 ORDER BY id LIMIT 1';
const DELETE_BELOW = 'DELETE FROM sign_ins WHERE id < $1';
const DELETE_HEADS_BELOW = 'DELETE FROM sign_in_heads WHERE last_id < $1';

/**
 * Follows `prev_id` from the row the anchor names ($1 the user, $2 the limit): `limit` lookups by id at most,
 * ending where a row was pruned or is another user's, in one round trip instead of one per row.
 */
const chain = (start: string) =>
  `WITH RECURSIVE chain AS (
    SELECT 1 AS n, ${COLUMNS}, prev_id FROM sign_ins WHERE id = (${start}) AND user_name = $1 AND $2 > 0
    UNION ALL
    SELECT c.n + 1, ${S_COLUMNS}, s.prev_id FROM chain c JOIN sign_ins s ON s.id = c.prev_id
      WHERE s.user_name = $1 AND c.n < $2
  ) SELECT ${COLUMNS} FROM chain ORDER BY n`;
/** The newest of the rows after `heads_upto` and the user's head, as one snapshot. */
const RECENT = chain(
  'SELECT COALESCE((SELECT max(id) FROM sign_ins WHERE id > (SELECT heads_upto FROM sign_in_state) ' +
    'AND user_name = $1), (SELECT last_id FROM sign_in_heads WHERE user_name = $1))',
);
const OLDER_THAN = chain('SELECT prev_id FROM sign_ins WHERE id = $3 AND user_name = $1');

function toSignIn(row: SignInRow): SignIn {
  return {
    id: Number(row.id),
    userName: row.user_name,
    at: row.at,
    client: row.client,
    userIp: row.user_ip,
    // Written only from NewSignIn values (migration 9 says why the table does not check them).
    result: row.result as SignIn['result'],
    how: row.how as SignInMethod | '',
    reason: row.reason,
    txn: row.txn,
    notMeAt: row.not_me_at,
  };
}

/** A BIGINT as node-postgres returns it (a string, or null for none), as the number SQLite returns. */
function toId(value: string | null | undefined): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

/**
 * The algorithm of SqliteSignInStore (which says why a chain and not an index), for several nodes writing to one
 * database: each batch and each prune holds the `sign_in_state` row, so writers take turns, and a node finding
 * the table not as it left it (another node appended) folds the rows since `heads_upto` into the heads before
 * trusting its memory again. Within one process the batches and prunes run one after the other as well, since
 * that memory is the process's.
 */
export class PgSignInStore implements SignInStore {
  readonly #pool: pg.Pool;
  /** user → the id of their newest sign-in; exact for the users in it while #lastWritten is the table's last id. */
  readonly #heads = new Map<string, number>();
  /** Users whose head in the table is older than in #heads. */
  readonly #dirty = new Map<string, number>();
  /** The table's last id as this store left it; -1 until the first batch folded what it found. */
  #lastWritten = -1;
  #headsUpto = 0;
  #sinceHeads = 0;
  /** The last batch or prune of this process: the next starts when it has settled. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async append(entries: readonly NewSignIn[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#exclusive('recording sign-ins', (client) => this.#write(client, entries));
  }

  async recent(userName: string, limit: number): Promise<SignIn[]> {
    const { rows } = await this.#query<SignInRow>(RECENT, [userName, limit], 'reading sign-ins');
    return rows.map(toSignIn);
  }

  async olderThan(userName: string, id: number, limit: number): Promise<SignIn[]> {
    const { rows } = await this.#query<SignInRow>(OLDER_THAN, [userName, limit, id], 'reading sign-ins');
    return rows.map(toSignIn);
  }

  async get(id: number): Promise<SignIn | undefined> {
    const { rows } = await this.#query<SignInRow>(GET, [id], 'reading a sign-in');
    return rows[0] === undefined ? undefined : toSignIn(rows[0]);
  }

  async markNotMe(id: number, at: Date): Promise<boolean> {
    const { rowCount } = await this.#query(MARK_NOT_ME, [at.toISOString(), id], 'marking a sign-in');
    return (rowCount ?? 0) > 0;
  }

  async pruneBefore(before: Date): Promise<number> {
    return this.#exclusive('pruning sign-ins', async (client) => {
      await this.#catchUp(client);
      await this.#writeHeads(client);
      const first = await client.query<{ id: string }>(FIRST_NOT_OLDER, [before.toISOString()]);
      const boundary = toId(first.rows[0]?.id) ?? this.#lastWritten + 1;
      const deleted = (await client.query(DELETE_BELOW, [boundary])).rowCount ?? 0;
      await client.query(DELETE_HEADS_BELOW, [boundary]);
      // A remembered head may name a deleted row; the table's heads are exact now.
      this.#heads.clear();
      // Ids are never given again, also when every row went: the next starts after the last one ever written.
      return deleted;
    });
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  /** Runs `work` after this process's previous batch or prune, in a transaction holding the state row. */
  #exclusive<T>(action: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const run = () => this.#transaction(action, work);
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => {});
    return result;
  }

  async #transaction<T>(action: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.#pool, async (client) => {
        await client.query(LOCK);
        return work(client);
      });
    } catch (error) {
      // After a rollback nothing remembered can be trusted (nor after a failed COMMIT, which may have
      // committed): the next batch folds from the table.
      this.#forget();
      throw toStoreError(error, action);
    }
  }

  /** Inside the batch's transaction: rows with explicit ids, each pointing at its user's previous one. */
  async #write(client: pg.PoolClient, entries: readonly NewSignIn[]): Promise<void> {
    await this.#catchUp(client);
    const unknown = new Set<string>();
    for (const e of entries) if (!this.#heads.has(e.userName)) unknown.add(e.userName);
    const stored = new Map<string, number>();
    if (unknown.size > 0) {
      const { rows } = await client.query<{ user_name: string; last_id: string }>(HEADS_OF, [[...unknown]]);
      for (const row of rows) stored.set(row.user_name, Number(row.last_id));
    }
    const n = entries.length;
    const columns = Array.from({ length: 10 }, () => new Array<unknown>(n));
    let id = this.#lastWritten;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      id++;
      const prev = this.#heads.get(e.userName) ?? stored.get(e.userName) ?? null;
      this.#heads.set(e.userName, id);
      this.#dirty.set(e.userName, id);
      columns[0]![i] = id;
      columns[1]![i] = e.userName;
      columns[2]![i] = e.at;
      columns[3]![i] = e.client;
      columns[4]![i] = e.userIp;
      columns[5]![i] = e.result;
      columns[6]![i] = e.how;
      columns[7]![i] = e.reason;
      columns[8]![i] = e.txn;
      columns[9]![i] = prev;
    }
    await client.query(INSERT, columns);
    this.#lastWritten = id;
    this.#sinceHeads += n;
    if (this.#sinceHeads >= HEADS_EVERY_ROWS || this.#heads.size > MAX_REMEMBERED_HEADS) {
      await this.#writeHeads(client);
      if (this.#heads.size > MAX_REMEMBERED_HEADS) this.#heads.clear();
    }
  }

  /**
   * Inside a transaction: when the table is not as this store left it (its first batch, or another node
   * appended), every row after `heads_upto` is folded into the heads and nothing remembered is trusted.
   */
  async #catchUp(client: pg.PoolClient): Promise<void> {
    const last = toId((await client.query<{ last: string | null }>(MAX_ID)).rows[0]?.last) ?? 0;
    if (last === this.#lastWritten) return;
    await this.#writeHeads(client);
    const upto = toId((await client.query<{ heads_upto: string }>(UPTO)).rows[0]?.heads_upto) ?? 0;
    await client.query(FOLD_TAIL, [upto]);
    this.#heads.clear();
    // After a prune of every row the table is empty, but its ids are not given again.
    this.#lastWritten = Math.max(last, upto);
    this.#headsUpto = this.#lastWritten;
    await client.query(SET_UPTO, [this.#headsUpto]);
  }

  /** Inside a transaction: the remembered heads into the table, which is then exact up to the last row written. */
  async #writeHeads(client: pg.PoolClient): Promise<void> {
    if (this.#dirty.size > 0) {
      await client.query(RAISE_HEADS, [[...this.#dirty.keys()], [...this.#dirty.values()]]);
    }
    this.#dirty.clear();
    this.#sinceHeads = 0;
    if (this.#lastWritten > this.#headsUpto) {
      this.#headsUpto = this.#lastWritten;
      await client.query(SET_UPTO, [this.#headsUpto]);
    }
  }

  #forget(): void {
    this.#heads.clear();
    this.#dirty.clear();
    this.#lastWritten = -1;
    this.#headsUpto = 0;
  }
}
