// Owns the PostgreSQL adapter of the ChallengeStore port: live States as rows every node of a site shares (A4).
import { hash } from 'node:crypto';
import type pg from 'pg';
import type {
  ChallengeSession,
  ChallengeStore,
  NewChallenge,
  TakeClaimResult,
  TakeResult,
} from '../../domain/challenge-session.js';
import type { StoreError } from '../../domain/ports.js';
import { Reason } from '../../domain/reason.js';
import { CsprngPool } from '../csprng-pool.js';
import {
  type Claim,
  claimMany,
  endMany,
  findMany,
  openMany,
  type TakeClaim,
  takeClaimMany,
} from './pg-challenge-batches.js';
import {
  ANALYZE,
  PUSHING,
  RECHALLENGE,
  RELEASE,
  REVIVE_CLAIMED,
  type SessionRow,
  SWEEP,
  toSession,
} from './pg-challenge-statements.js';
import { type NamedStatement, queryOrFail } from './pg-errors.js';
import { TurnBatch } from './pg-turn-batch.js';

/** SECURITY A4.2: 128 random bits, as the memory table draws. */
const STATE_OCTETS = 16;
/** Ended rows are kept this long after their deadline, so a late resend is logged as STATE_USED, not unknown. */
const KEEP_ENDED_MS = 120_000;
/** Old rows are deleted by an `open`, at most this often (no timer of its own to stop). */
const SWEEP_EVERY_MS = 10_000;
/**
 * The table's planner statistics are refreshed when this node has opened this many sessions since it started,
 * then twice as many, up to LAST_ANALYZE_AFTER_OPENS. The table starts small (or empty) and fills as logins come;
 * PostgreSQL keeps the plan it made for a prepared statement while the table was small (a sequential scan) until
 * the statistics change, and autovacuum's own ANALYZE may be a minute away, or off. Measured
 * (bench/challenge-store-probe.ts, 20 logins per statement): the batched State lookup took 1.5 ms per statement with
 * the plan of an empty table and 0.06 ms with fresh statistics. The plans turn to the indexes at a few thousand
 * rows, so the refreshes stop once the table has been that large (later changes are autovacuum's); each reads
 * only the key columns (a refresh of a 100,000-row table cost PostgreSQL ~200 ms with every column).
 */
const FIRST_ANALYZE_AFTER_OPENS = 1_000;
const LAST_ANALYZE_AFTER_OPENS = 16_000;

/** One-shot `crypto.hash` (Node 20.12+): no Hash object per State, measured ~2 % of a busy node's CPU. */
const hashOf = (state: Uint8Array): Buffer => hash('sha256', state, 'buffer');

/**
 * Challenge sessions in PostgreSQL (migration 11), so the answer to a challenge may reach any node: a NAS that
 * fails over sends it to another server than the one that asked (docs/storage.md "Logins across nodes"). Only the
 * State's SHA-256 is stored: a row read from the database cannot answer a challenge. Each transition is one
 * conditional UPDATE; the session object a method is given is the calling node's copy, updated when it succeeds.
 * The steps every login takes (open, take, claim, end) are gathered per event-loop turn into one statement each
 * (pg-turn-batch.ts): a morning rush costs a few statements per turn instead of four per login. A typed code's
 * answer takes, claims and (with no push waiting) ends its session in one of them (`takeAndClaim`).
 */
export class PgChallengeStore implements ChallengeStore {
  readonly #pool: pg.Pool;
  readonly #random = new CsprngPool();
  readonly #lifetimeMs: number;
  #sweptAt = 0;
  #opened = 0;
  #analyzeAt = FIRST_ANALYZE_AFTER_OPENS;
  readonly #opens = new TurnBatch<unknown[], StoreError | undefined>((rows) => openMany(this.#pool, rows));
  readonly #finds = new TurnBatch<Buffer, SessionRow | undefined>((hashes) => findMany(this.#pool, hashes));
  readonly #claims = new TurnBatch<Claim, number | undefined>((claims) => claimMany(this.#pool, claims));
  readonly #ends = new TurnBatch<{ id: string; now: number }, undefined>((ends) => endMany(this.#pool, ends));
  readonly #takeClaims = new TurnBatch<TakeClaim, SessionRow | undefined>((items) =>
    takeClaimMany(this.#pool, items),
  );
  /**
   * Sessions `takeAndClaim` ended as it claimed them (TAKE_CLAIM_MANY), with the row's `ended_at` and
   * `checking_until` as that claim left them: `end` then has nothing to write, and `rechallenge` revives exactly
   * that row. Weak: a session dropped after its answer leaves nothing behind.
   */
  readonly #endedByClaim = new WeakMap<ChallengeSession, { endedAt: string; checkingUntil: string }>();

  constructor(pool: pg.Pool, lifetimeMs: number) {
    this.#pool = pool;
    this.#lifetimeMs = lifetimeMs;
  }

  #query<R extends pg.QueryResultRow>(statement: string | NamedStatement, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, statement, values, action);
  }

  /** @throws StoreError `ALREADY_EXISTS` when the transaction id has a session already */
  async open(challenge: NewChallenge, now: number): Promise<ChallengeSession> {
    this.#sweep(now);
    const state = this.#random.bytes(STATE_OCTETS);
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
    const refused = await this.#opens.add([
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
    ]);
    if (refused !== undefined) throw refused;
    if (++this.#opened >= this.#analyzeAt) this.#analyze();
    return session;
  }

  async take(state: Uint8Array, clientName: string, typedName: string, now: number): Promise<TakeResult> {
    if (state.length !== STATE_OCTETS) return { ok: false, reason: Reason.StateUnknown };
    const hash = hashOf(state);
    const row = await this.#finds.add(hash);
    if (row === undefined) return { ok: false, reason: Reason.StateUnknown };
    const session = toSession(row, state, now);
    // Found as the State a re-challenge replaced, or ended (also by a claim being checked): used (A4.3). The
    // session goes with the refusal so its log line names the login's transaction.
    if (row.ended_at !== null || !hash.equals(row.state_hash)) {
      return { ok: false, reason: Reason.StateUsed, session };
    }
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

  /**
   * A typed code's answer (A4.3, A4.4): one UPDATE per turn finds and claims the sessions that may be claimed,
   * where `take` then `claim` cost two statements. A State it did not claim (unknown, replaced, ended, expired,
   * foreign, being checked, an enrollment's) is looked up by `take`, which says why or hands it back unclaimed.
   */
  async takeAndClaim(
    state: Uint8Array,
    clientName: string,
    typedName: string,
    now: number,
  ): Promise<TakeClaimResult> {
    if (state.length !== STATE_OCTETS) return { ok: false, reason: Reason.StateUnknown };
    const row = await this.#takeClaims.add({ hash: hashOf(state), clientName, typedName, now });
    if (row === undefined) return this.take(state, clientName, typedName, now);
    const session = toSession(row, state, now);
    if (row.ended_at !== null)
      this.#endedByClaim.set(session, { endedAt: row.ended_at, checkingUntil: row.checking_until });
    return { ok: true, session, claimed: true };
  }

  async claim(session: ChallengeSession, now: number): Promise<boolean> {
    const attempts = await this.#claims.add({ id: session.transactionId, hash: hashOf(session.state), now });
    if (attempts === undefined) return false;
    session.codeAttempts = attempts;
    session.checking = true;
    return true;
  }

  /** A session its claim ended stays ended: the only release is of a code that lost to a push's decision. */
  async release(session: ChallengeSession): Promise<void> {
    if (this.#endedByClaim.has(session)) {
      session.checking = false;
      return;
    }
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
    // Ended already by its claim: a right code's login costs no statement here.
    if (!this.#endedByClaim.delete(session)) await this.#ends.add({ id: session.transactionId, now });
    session.checking = false;
  }

  /**
   * Moves the session to a new State. When another node ended it meanwhile nothing changes, and the challenge
   * then sent carries a State that is refused as unknown: the login is over either way.
   */
  async rechallenge(session: ChallengeSession): Promise<void> {
    const state = this.#random.bytes(STATE_OCTETS);
    const values: unknown[] = [
      session.transactionId,
      hashOf(session.state),
      hashOf(state),
      session.codeAttempts,
    ];
    const claim = this.#endedByClaim.get(session);
    if (claim === undefined) await this.#query(RECHALLENGE, values, 're-challenging');
    else {
      await this.#query(REVIVE_CLAIMED, [...values, claim.endedAt, claim.checkingUntil], 're-challenging');
      this.#endedByClaim.delete(session);
    }
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

  /** See FIRST_ANALYZE_AFTER_OPENS; never awaited. */
  #analyze(): void {
    this.#analyzeAt =
      this.#analyzeAt >= LAST_ANALYZE_AFTER_OPENS ? Number.POSITIVE_INFINITY : this.#analyzeAt * 2;
    // A role that does not own the table gets a warning, not an error; a failure leaves the plans to autovacuum.
    this.#pool.query(ANALYZE).catch(() => {});
  }
}
