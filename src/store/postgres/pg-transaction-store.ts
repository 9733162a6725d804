// Owns the PostgreSQL adapter of the TransactionStore port: push transactions every node of a site shares.
import type pg from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import {
  type DecideResult,
  type NewPushTransaction,
  NotCreated,
  type Outcome,
  type PushTransaction,
  type SourceCap,
  type TransactionStatus,
  type TransactionStore,
} from '../../domain/push-transaction.js';
import type { Reason } from '../../domain/reason.js';
import { isUniqueViolation, queryOrFail, toStoreError } from './pg-errors.js';
import { pushSourceLock, pushStartLock } from './pg-locks.js';
import { inTransaction } from './pg-transaction.js';

/**
 * The channel a won `decide` notifies, with the transaction id as payload (migration 11): the node holding
 * the RADIUS request LISTENs on it and learns the answer at commit, whichever node took it.
 */
export const PUSH_DECIDED_CHANNEL = 'assent_push_decided';

interface TransactionRow {
  id: string;
  session_id: string;
  user_name: string;
  client_name: string;
  user_ip: string;
  number: string;
  created_at: string;
  deadline: string;
  status: string;
  reason: string | null;
  decided_by: string | null;
}

const COLUMNS =
  'id, session_id, user_name, client_name, user_ip, number, created_at, deadline, status, reason, decided_by';

const INSERT =
  'INSERT INTO push_transactions (id, session_id, user_name, client_name, user_ip, number, created_at, ' +
  `deadline, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'push-sent') RETURNING ${COLUMNS}`;
const BY_ID = `SELECT ${COLUMNS} FROM push_transactions WHERE id = $1`;
const BY_SESSION = `SELECT ${COLUMNS} FROM push_transactions WHERE session_id = $1`;
// The status is a literal, not a parameter, so the planner can use the partial index push_transactions_open.
const OPEN_FOR_USER =
  `SELECT ${COLUMNS} FROM push_transactions ` +
  "WHERE user_name = $1 AND status = 'push-sent' AND deadline >= $2 ORDER BY created_at DESC, id DESC";
const OPEN_EXISTS =
  "SELECT 1 FROM push_transactions WHERE user_name = $1 AND status = 'push-sent' AND deadline >= $2 LIMIT 1";
// A range of the index push_transactions_source (migration 11).
const FROM_SOURCE = 'SELECT count(*)::int AS n FROM push_transactions WHERE user_ip = $1 AND created_at > $2';
// SECURITY A4.3: one statement. A concurrent UPDATE of the row waits for the first to commit, then
// re-checks `status = 'push-sent'` on the committed row (READ COMMITTED) and matches nothing: exactly one
// caller gets a row back. pg_notify runs once per row returned, so only the winner notifies; the notification
// goes out at commit, never for a rolled-back decision.
const DECIDE =
  'WITH d AS (UPDATE push_transactions SET status = $2, reason = $3, decided_by = $4 ' +
  "WHERE id = $1 AND status = 'push-sent' RETURNING *) " +
  `SELECT ${COLUMNS}, pg_notify('${PUSH_DECIDED_CHANNEL}', d.id) FROM d`;
// Compared with a bound computed here (not `deadline + $2 < $1`) so the index on deadline serves it.
const SWEEP = 'DELETE FROM push_transactions WHERE deadline < $1';
const PENDING = "SELECT count(*)::integer AS n FROM push_transactions WHERE status = 'push-sent'";
/** The memory store's message for a duplicate id or session id (either unique constraint). */
const IN_USE = 'a transaction with this id or session id exists';

/** The key order and shape of the memory store's `record()`; BIGINT arrives as a string, NULL as null. */
function toTransaction(row: TransactionRow): PushTransaction {
  return {
    id: row.id,
    sessionId: row.session_id,
    userName: row.user_name,
    clientName: row.client_name,
    userIp: row.user_ip,
    number: row.number,
    createdAt: Number(row.created_at),
    deadline: Number(row.deadline),
    // Written only from the status machine's values; the table's CHECK keeps them so.
    status: row.status as TransactionStatus,
    reason: (row.reason ?? undefined) as Reason | undefined,
    decidedBy: row.decided_by ?? undefined,
  };
}

/**
 * Push transactions in PostgreSQL, shared by every node of a site: a NAS that fails over, or a phone whose
 * answer reaches another node, finds the same row. `decide` is one conditional UPDATE, so the first answer
 * to commit wins across nodes as it does in one process (SECURITY A4.3, A7.6), and announces itself on
 * `PUSH_DECIDED_CHANNEL`. Ended rows stay until `sweep`, as in memory, so a late answer finds what decided.
 */
export class PgTransactionStore implements TransactionStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  async create(transaction: NewPushTransaction): Promise<PushTransaction> {
    try {
      const { rows } = await this.#pool.query<TransactionRow>(INSERT, insertValues(transaction));
      return toTransaction(rows[0]!);
    } catch (error) {
      throw creationError(error);
    }
  }

  /**
   * SECURITY A7.7 across nodes: under a per-user advisory lock, one transaction checks for an open push and
   * creates this one. The check is a statement after the lock is held, so under READ COMMITTED it sees a push the
   * lock's previous holder committed. Five round trips, once per push a person is asked to answer; with a `cap`
   * and an address, two more: the per-address lock (taken second, see pushSourceLock) and the count under it.
   */
  async createAlone(transaction: NewPushTransaction, cap?: SourceCap): Promise<PushTransaction | NotCreated> {
    try {
      return await inTransaction(this.#pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...pushStartLock(transaction.userName)]);
        const open = await client.query(OPEN_EXISTS, [transaction.userName, transaction.createdAt]);
        if (open.rows.length > 0) return NotCreated.Pending;
        if (cap !== undefined && transaction.userIp !== '') {
          await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...pushSourceLock(transaction.userIp)]);
          const counted = await client.query<{ n: number }>(FROM_SOURCE, [transaction.userIp, cap.since]);
          if ((counted.rows[0]?.n ?? 0) >= cap.max) return NotCreated.SourceLimit;
        }
        const { rows } = await client.query<TransactionRow>(INSERT, insertValues(transaction));
        return toTransaction(rows[0]!);
      });
    } catch (error) {
      throw creationError(error);
    }
  }

  async byId(id: string): Promise<PushTransaction | undefined> {
    const { rows } = await this.#query<TransactionRow>(BY_ID, [id], 'reading a push transaction');
    return rows[0] === undefined ? undefined : toTransaction(rows[0]);
  }

  async bySession(sessionId: string): Promise<PushTransaction | undefined> {
    const action = 'reading a push transaction';
    const { rows } = await this.#query<TransactionRow>(BY_SESSION, [sessionId], action);
    return rows[0] === undefined ? undefined : toTransaction(rows[0]);
  }

  /**
   * Newest first by `created_at`. There is no insertion-order column, so pushes started in the same
   * millisecond come in descending id order, not in the order they were created as in memory; ids are random,
   * so among those that order is arbitrary (but stable).
   */
  async openForUser(userName: string, now: number): Promise<PushTransaction[]> {
    const { rows } = await this.#query<TransactionRow>(
      OPEN_FOR_USER,
      [userName, now],
      "listing a user's open push transactions",
    );
    return rows.map(toTransaction);
  }

  /**
   * The compare-and-set is the one DECIDE statement; only a loser reads the row afterwards, to show it what
   * won (its UPDATE returned after the winner committed, so the read sees the winner's outcome).
   */
  async decide(id: string, outcome: Outcome): Promise<DecideResult> {
    const { rows } = await this.#query<TransactionRow>(
      DECIDE,
      [id, outcome.status, outcome.reason ?? null, outcome.decidedBy ?? null],
      'deciding a push transaction',
    );
    if (rows[0] !== undefined) return { won: true, transaction: toTransaction(rows[0]) };
    const now = await this.#query<TransactionRow>(BY_ID, [id], 'reading a push transaction');
    return { won: false, transaction: now.rows[0] === undefined ? undefined : toTransaction(now.rows[0]) };
  }

  /** Deletes rows whose deadline is more than `keepMs` before `now`, open or ended (as in memory). */
  async sweep(now: number, keepMs: number): Promise<number> {
    const { rowCount } = await this.#query(SWEEP, [now - keepMs], 'sweeping push transactions');
    return rowCount ?? 0;
  }

  /** Pushes in `push-sent` on every node of the site, not this node's alone (a site-wide gauge). */
  async pendingCount(): Promise<number> {
    const { rows } = await this.#query<{ n: number }>(PENDING, [], 'counting pending push transactions');
    return rows[0]!.n;
  }
}

function insertValues(transaction: NewPushTransaction): unknown[] {
  return [
    transaction.id,
    transaction.sessionId,
    transaction.userName,
    transaction.clientName,
    transaction.userIp,
    transaction.number,
    transaction.createdAt,
    transaction.deadline,
  ];
}

/** A duplicate id or session id (either unique constraint) as the memory store reports it; anything else unavailable. */
function creationError(error: unknown): StoreError {
  if (isUniqueViolation(error)) return new StoreError(StoreErrorCode.AlreadyExists, IN_USE, { cause: error });
  return toStoreError(error, 'creating a push transaction');
}
