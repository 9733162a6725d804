// Owns the PostgreSQL adapter of the ChallengeStore port: live States as rows every node of a site shares (A4).
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type {
  ChallengeSession,
  ChallengeStore,
  NewChallenge,
  TakeResult,
} from '../../domain/challenge-session.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import { Reason } from '../../domain/reason.js';
import { isUniqueViolation, queryOrFail, toStoreError } from './pg-errors.js';

/** SECURITY A4.2: 128 random bits, as the memory table draws. */
const STATE_OCTETS = 16;
/**
 * How long a claim to check a code holds. A check is a few statements with `storage.timeoutMs` each; a node that
 * died holding a claim leaves the session usable again after this, within its deadline.
 */
const CLAIM_MS = 30_000;
/** Ended rows are kept this long after their deadline, so a late resend is logged as STATE_USED, not unknown. */
const KEEP_ENDED_MS = 120_000;
/** Old rows are deleted by an `open`, at most this often (no timer of its own to stop). */
const SWEEP_EVERY_MS = 10_000;

interface SessionRow {
  transaction_id: string;
  state_hash: Buffer;
  client_name: string;
  typed_name: string;
  identity_name: string;
  identity_groups: string;
  identity_source: string;
  deadline: string;
  code_attempts: number;
  checking_until: string;
  pushing: number;
  number: string;
  enroll_url: string;
  user_ip: string;
  ended_at: string | null;
}

const INSERT =
  'INSERT INTO challenge_sessions (transaction_id, state_hash, client_name, typed_name, identity_name, ' +
  'identity_groups, identity_source, deadline, number, enroll_url, user_ip) ' +
  'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)';
// The State is found by its hash: the index lookup compares hashes, so its timing says nothing about the State.
const FIND =
  'SELECT transaction_id, state_hash, client_name, typed_name, identity_name, identity_groups, identity_source, ' +
  'deadline::text, code_attempts, checking_until::text, pushing, number, enroll_url, user_ip, ended_at::text ' +
  'FROM challenge_sessions WHERE state_hash = $1 OR previous_hash = $1 LIMIT 1';
// A4.3: one conditional statement each, so two nodes answering with one State cannot both win.
const CLAIM =
  'UPDATE challenge_sessions SET checking_until = $3, code_attempts = code_attempts + 1 ' +
  'WHERE transaction_id = $1 AND state_hash = $2 AND ended_at IS NULL AND checking_until <= $4 ' +
  'RETURNING code_attempts';
const RELEASE =
  'UPDATE challenge_sessions SET checking_until = 0 WHERE transaction_id = $1 AND state_hash = $2';
const PUSHING =
  'UPDATE challenge_sessions SET pushing = 1 ' +
  'WHERE transaction_id = $1 AND ended_at IS NULL AND pushing = 0 RETURNING 1';
const END =
  'UPDATE challenge_sessions SET ended_at = $2, checking_until = 0 WHERE transaction_id = $1 AND ended_at IS NULL';
const RECHALLENGE =
  'UPDATE challenge_sessions SET previous_hash = state_hash, state_hash = $3, checking_until = 0, ' +
  'code_attempts = greatest(code_attempts, $4) WHERE transaction_id = $1 AND state_hash = $2 AND ended_at IS NULL';
const SWEEP = 'DELETE FROM challenge_sessions WHERE deadline < $1';

const hashOf = (state: Uint8Array): Buffer => createHash('sha256').update(state).digest();

/**
 * Challenge sessions in PostgreSQL (migration 11), so the answer to a challenge may reach any node: a NAS that
 * fails over sends it to another server than the one that asked (docs/storage.md "Logins across nodes"). Only the
 * State's SHA-256 is stored: a row read from the database cannot answer a challenge. Each transition is one
 * conditional UPDATE; the session object a method is given is the calling node's copy, updated when it succeeds.
 */
export class PgChallengeStore implements ChallengeStore {
  readonly #pool: pg.Pool;
  readonly #lifetimeMs: number;
  #sweptAt = 0;

  constructor(pool: pg.Pool, lifetimeMs: number) {
    this.#pool = pool;
    this.#lifetimeMs = lifetimeMs;
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  /** @throws StoreError `ALREADY_EXISTS` when the transaction id has a session already */
  async open(challenge: NewChallenge, now: number): Promise<ChallengeSession> {
    this.#sweep(now);
    const state = new Uint8Array(randomBytes(STATE_OCTETS));
    const session: ChallengeSession = {
      transactionId: challenge.transactionId,
      clientName: challenge.clientName,
      typedName: challenge.typedName,
      identity: challenge.identity,
      state,
      deadline: now + this.#lifetimeMs,
      codeAttempts: 0,
      checking: false,
      pushing: false,
      number: challenge.number,
      enrollUrl: challenge.enrollUrl,
      userIp: challenge.userIp,
    };
    const values = [
      session.transactionId,
      hashOf(state),
      session.clientName,
      session.typedName,
      session.identity.name,
      JSON.stringify(session.identity.groups),
      session.identity.source,
      session.deadline,
      session.number,
      session.enrollUrl,
      session.userIp,
    ];
    try {
      await this.#pool.query(INSERT, values);
    } catch (error) {
      if (isUniqueViolation(error, 'challenge_sessions_pkey')) {
        throw new StoreError(StoreErrorCode.AlreadyExists, 'a challenge with this transaction id exists');
      }
      throw toStoreError(error, 'opening a challenge');
    }
    return session;
  }

  async take(state: Uint8Array, clientName: string, typedName: string, now: number): Promise<TakeResult> {
    if (state.length !== STATE_OCTETS) return { ok: false, reason: Reason.StateUnknown };
    const hash = hashOf(state);
    const { rows } = await this.#query<SessionRow>(FIND, [hash], 'reading a challenge');
    const row = rows[0];
    if (row === undefined) return { ok: false, reason: Reason.StateUnknown };
    // Found as the State a re-challenge replaced, or ended: used (A4.3).
    if (row.ended_at !== null || !hash.equals(row.state_hash)) return { ok: false, reason: Reason.StateUsed };
    const session = toSession(row, state, now);
    if (now > session.deadline) {
      await this.end(session, now);
      return { ok: false, reason: Reason.StateExpired, session };
    }
    if (session.clientName !== clientName || session.typedName !== typedName) {
      await this.end(session, now);
      return { ok: false, reason: Reason.StateForeign, session };
    }
    return { ok: true, session };
  }

  async claim(session: ChallengeSession, now: number): Promise<boolean> {
    const { rows } = await this.#query<{ code_attempts: number }>(
      CLAIM,
      [session.transactionId, hashOf(session.state), now + CLAIM_MS, now],
      'claiming a challenge',
    );
    const claimed = rows[0];
    if (claimed === undefined) return false;
    session.codeAttempts = claimed.code_attempts;
    session.checking = true;
    return true;
  }

  async release(session: ChallengeSession): Promise<void> {
    await this.#query(RELEASE, [session.transactionId, hashOf(session.state)], 'releasing a challenge');
    session.checking = false;
  }

  /** A session that ended meanwhile reads as pushing too: the caller then waits for a decision that never comes. */
  async startPushing(session: ChallengeSession): Promise<boolean> {
    const { rowCount } = await this.#query(
      PUSHING,
      [session.transactionId],
      'marking a challenge as pushing',
    );
    session.pushing = true;
    return rowCount === 1;
  }

  /** Ends the login whatever its current State: a decided push ends it from a copy taken before a re-challenge. */
  async end(session: ChallengeSession, now: number): Promise<void> {
    await this.#query(END, [session.transactionId, now], 'ending a challenge');
    session.checking = false;
  }

  /**
   * Moves the session to a new State. When another node ended it meanwhile nothing changes, and the challenge
   * then sent carries a State that is refused as unknown: the login is over either way.
   */
  async rechallenge(session: ChallengeSession): Promise<void> {
    const state = new Uint8Array(randomBytes(STATE_OCTETS));
    await this.#query(
      RECHALLENGE,
      [session.transactionId, hashOf(session.state), hashOf(state), session.codeAttempts],
      're-challenging',
    );
    session.state = state;
    session.checking = false;
  }

  /** Deletes rows past their deadline by more than KEEP_ENDED_MS; at most every SWEEP_EVERY_MS, never awaited. */
  #sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    // A failed sweep is retried by a later open; the rows it left only take space.
    this.#pool.query(SWEEP, [now - KEEP_ENDED_MS]).catch(() => {});
  }
}

function toSession(row: SessionRow, state: Uint8Array, now: number): ChallengeSession {
  return {
    transactionId: row.transaction_id,
    clientName: row.client_name,
    typedName: row.typed_name,
    identity: {
      name: row.identity_name,
      groups: JSON.parse(row.identity_groups) as string[],
      source: row.identity_source,
    },
    state,
    deadline: Number(row.deadline),
    codeAttempts: row.code_attempts,
    checking: Number(row.checking_until) > now,
    pushing: row.pushing === 1,
    number: row.number,
    enrollUrl: row.enroll_url,
    userIp: row.user_ip,
  };
}
