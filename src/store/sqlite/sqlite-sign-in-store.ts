// Owns the SQLite adapter of the SignInStore port: batched appends, each user's sign-ins as a chain (migration 8).
import type Database from 'better-sqlite3';
import type { NewSignIn, SignIn, SignInMethod, SignInStore } from '../../domain/sign-in.js';
import { toStoreError } from './sqlite-errors.js';

interface SignInRow {
  id: number;
  user_name: string;
  at: string;
  client: string;
  user_ip: string;
  result: string;
  how: string;
  reason: string;
  txn: string;
  not_me_at: string | null;
  prev_id: number | null;
}

const COLUMNS = 'id, user_name, at, client, user_ip, result, how, reason, txn, not_me_at, prev_id';
const INSERT =
  'INSERT INTO sign_ins (id, user_name, at, client, user_ip, result, how, reason, txn, prev_id) VALUES ';
const ROW_PARAMS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const PARAMS_PER_ROW = 10;
/** Rows per INSERT statement: one call into SQLite for 16 rows costs less than 16 calls. */
const CHUNK = 16;
/** The heads table is brought up to date after this many rows (readers scan at most these beyond it). */
const HEADS_EVERY_ROWS = 20_000;
/** Users whose newest id is remembered between batches; beyond, the memory starts over. */
const MAX_REMEMBERED_HEADS = 100_000;

function toSignIn(row: SignInRow): SignIn {
  return {
    id: row.id,
    userName: row.user_name,
    at: row.at,
    client: row.client,
    userIp: row.user_ip,
    // Written only from NewSignIn values (migration 8 says why the table does not check them).
    result: row.result as SignIn['result'],
    how: row.how as SignInMethod | '',
    reason: row.reason,
    txn: row.txn,
    notMeAt: row.not_me_at,
  };
}

/**
 * The writer (the server; its lock keeps other servers out) knows each user's newest id, so a row costs an append
 * and its `prev_id` costs nothing; the heads table is brought up to date every HEADS_EVERY_ROWS rows, one upsert
 * per user who signed in meanwhile. A reader (this process or `assent user sign-ins`) takes the newest of the rows
 * after `heads_upto` and the user's head. Whatever was not folded into the heads (a stop, a crash, another
 * connection that appended) is folded at the next batch, from the table itself: nothing is lost with the memory.
 */
export class SqliteSignInStore implements SignInStore {
  readonly #insertOne: Database.Statement<unknown[]>;
  readonly #insertChunk: Database.Statement<unknown[]>;
  readonly #headOf: Database.Statement<[string], number>;
  readonly #tailNewest: Database.Statement<[number, string], number | null>;
  readonly #upto: Database.Statement<[], number>;
  readonly #setUpto: Database.Statement<[number]>;
  readonly #raiseHead: Database.Statement<[string, number]>;
  readonly #foldTail: Database.Statement<[number]>;
  readonly #maxId: Database.Statement<[], number | null>;
  readonly #row: Database.Statement<[number], SignInRow>;
  readonly #markNotMe: Database.Statement<[string, number]>;
  readonly #firstNotOlder: Database.Statement<[string], number>;
  readonly #deleteBelow: Database.Statement<[number]>;
  readonly #deleteHeadsBelow: Database.Statement<[number]>;
  readonly #appendAll: (entries: readonly NewSignIn[]) => void;
  readonly #prune: (cutoff: string) => number;
  /** user → the id of their newest sign-in; exact for the users in it while #lastWritten is the table's last id. */
  readonly #heads = new Map<string, number>();
  /** Users whose head in the table is older than in #heads. */
  readonly #dirty = new Map<string, number>();
  readonly #args = new Array<unknown>(CHUNK * PARAMS_PER_ROW);
  /** The table's last id as this store left it; -1 until the first batch folded what it found. */
  #lastWritten = -1;
  #headsUpto = 0;
  #sinceHeads = 0;

  constructor(db: Database.Database) {
    this.#insertOne = db.prepare(INSERT + ROW_PARAMS);
    this.#insertChunk = db.prepare(INSERT + new Array(CHUNK).fill(ROW_PARAMS).join(', '));
    this.#headOf = db
      .prepare<[string], number>('SELECT last_id FROM sign_in_heads WHERE user_name = ?')
      .pluck();
    this.#tailNewest = db
      .prepare<[number, string], number | null>('SELECT max(id) FROM sign_ins WHERE id > ? AND user_name = ?')
      .pluck();
    this.#upto = db.prepare<[], number>('SELECT heads_upto FROM sign_in_state').pluck();
    this.#setUpto = db.prepare('UPDATE sign_in_state SET heads_upto = ?');
    // Heads only move forward: a fold and a write of remembered heads may both name a user.
    const raise = 'ON CONFLICT (user_name) DO UPDATE SET last_id = max(last_id, excluded.last_id)';
    this.#raiseHead = db.prepare(`INSERT INTO sign_in_heads (user_name, last_id) VALUES (?, ?) ${raise}`);
    this.#foldTail = db.prepare(
      'INSERT INTO sign_in_heads (user_name, last_id) ' +
        `SELECT user_name, max(id) FROM sign_ins WHERE id > ? GROUP BY user_name ${raise}`,
    );
    this.#maxId = db.prepare<[], number | null>('SELECT max(id) FROM sign_ins').pluck();
    this.#row = db.prepare(`SELECT ${COLUMNS} FROM sign_ins WHERE id = ?`);
    this.#markNotMe = db.prepare('UPDATE sign_ins SET not_me_at = ? WHERE id = ? AND not_me_at IS NULL');
    // Ids follow time: the first row not older ends what may go (reads only the rows about to be deleted).
    this.#firstNotOlder = db
      .prepare<[string], number>('SELECT id FROM sign_ins WHERE at >= ? ORDER BY id LIMIT 1')
      .pluck();
    this.#deleteBelow = db.prepare('DELETE FROM sign_ins WHERE id < ?');
    this.#deleteHeadsBelow = db.prepare('DELETE FROM sign_in_heads WHERE last_id < ?');
    // One transaction per batch: one commit for hundreds of rows (the recorder calls this every ~500 ms).
    this.#appendAll = db.transaction((entries: readonly NewSignIn[]) => this.#write(entries));
    this.#prune = db.transaction((cutoff: string) => {
      this.#catchUp();
      this.#writeHeads();
      const boundary = this.#firstNotOlder.get(cutoff) ?? this.#lastWritten + 1;
      const deleted = this.#deleteBelow.run(boundary).changes;
      this.#deleteHeadsBelow.run(boundary);
      // Ids are never given again, also when every row went: the next starts after the last one ever written.
      return deleted;
    });
  }

  append(entries: readonly NewSignIn[]): void {
    if (entries.length === 0) return;
    try {
      this.#appendAll(entries);
    } catch (error) {
      this.#forget();
      throw toStoreError(error, 'recording sign-ins');
    }
  }

  recent(userName: string, limit: number): SignIn[] {
    try {
      const newest = this.#tailNewest.get(this.#upto.get() ?? 0, userName) ?? this.#headOf.get(userName);
      return this.#chain(userName, newest, limit);
    } catch (error) {
      throw toStoreError(error, 'reading sign-ins');
    }
  }

  olderThan(userName: string, id: number, limit: number): SignIn[] {
    try {
      const from = this.#row.get(id);
      if (from === undefined || from.user_name !== userName) return [];
      return this.#chain(userName, from.prev_id ?? undefined, limit);
    } catch (error) {
      throw toStoreError(error, 'reading sign-ins');
    }
  }

  get(id: number): SignIn | undefined {
    try {
      const row = this.#row.get(id);
      return row === undefined ? undefined : toSignIn(row);
    } catch (error) {
      throw toStoreError(error, 'reading a sign-in');
    }
  }

  markNotMe(id: number, at: Date): boolean {
    try {
      return this.#markNotMe.run(at.toISOString(), id).changes > 0;
    } catch (error) {
      throw toStoreError(error, 'marking a sign-in');
    }
  }

  pruneBefore(before: Date): number {
    try {
      const deleted = this.#prune(before.toISOString());
      // A remembered head may name a deleted row; the table's heads are exact now.
      this.#heads.clear();
      return deleted;
    } catch (error) {
      this.#forget();
      throw toStoreError(error, 'pruning sign-ins');
    }
  }

  /** Inside the batch's transaction: rows with explicit ids, each pointing at its user's previous one. */
  #write(entries: readonly NewSignIn[]): void {
    this.#catchUp();
    let id = this.#lastWritten;
    const args = this.#args;
    let at = 0;
    const full = entries.length - (entries.length % CHUNK);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      id++;
      const prev = this.#heads.get(e.userName) ?? this.#headOf.get(e.userName) ?? null;
      this.#heads.set(e.userName, id);
      this.#dirty.set(e.userName, id);
      args[at] = id;
      args[at + 1] = e.userName;
      args[at + 2] = e.at;
      args[at + 3] = e.client;
      args[at + 4] = e.userIp;
      args[at + 5] = e.result;
      args[at + 6] = e.how;
      args[at + 7] = e.reason;
      args[at + 8] = e.txn;
      args[at + 9] = prev;
      at += PARAMS_PER_ROW;
      if (i < full) {
        if (at === args.length) {
          this.#insertChunk.run(args);
          at = 0;
        }
      } else {
        this.#insertOne.run(args.slice(0, PARAMS_PER_ROW));
        at = 0;
      }
    }
    this.#lastWritten = id;
    this.#sinceHeads += entries.length;
    if (this.#sinceHeads >= HEADS_EVERY_ROWS || this.#heads.size > MAX_REMEMBERED_HEADS) {
      this.#writeHeads();
      if (this.#heads.size > MAX_REMEMBERED_HEADS) this.#heads.clear();
    }
  }

  /**
   * Inside a transaction: when the table is not as this store left it (its first batch, or another connection
   * appended), every row after `heads_upto` is folded into the heads and nothing remembered is trusted.
   */
  #catchUp(): void {
    const last = this.#maxId.get() ?? 0;
    if (last === this.#lastWritten) return;
    this.#writeHeads();
    const upto = this.#upto.get() ?? 0;
    this.#foldTail.run(upto);
    this.#heads.clear();
    // After a prune of every row the table is empty, but its ids are not given again.
    this.#lastWritten = Math.max(last, upto);
    this.#headsUpto = this.#lastWritten;
    this.#setUpto.run(this.#headsUpto);
  }

  /** Inside a transaction: the remembered heads into the table, which is then exact up to the last row written. */
  #writeHeads(): void {
    for (const [user, last] of this.#dirty) this.#raiseHead.run(user, last);
    this.#dirty.clear();
    this.#sinceHeads = 0;
    if (this.#lastWritten > this.#headsUpto) {
      this.#headsUpto = this.#lastWritten;
      this.#setUpto.run(this.#headsUpto);
    }
  }

  /** After a rollback nothing remembered can be trusted; the next batch folds from the table. */
  #forget(): void {
    this.#heads.clear();
    this.#dirty.clear();
    this.#lastWritten = -1;
    this.#headsUpto = 0;
  }

  /** Follows `prev_id` from `id`: `limit` lookups by id at most; ends where a row was pruned. */
  #chain(userName: string, id: number | null | undefined, limit: number): SignIn[] {
    const out: SignIn[] = [];
    let next = id ?? undefined;
    while (next !== undefined && out.length < limit) {
      const row = this.#row.get(next);
      if (row === undefined || row.user_name !== userName) break;
      out.push(toSignIn(row));
      next = row.prev_id ?? undefined;
    }
    return out;
  }
}
