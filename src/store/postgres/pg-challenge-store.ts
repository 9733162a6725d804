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
import {
  ANALYZE,
  CLAIM_MANY,
  END_MANY,
  FIND_MANY,
  FIND_PREVIOUS,
  INSERT,
  INSERT_MANY,
  PUSHING,
  RECHALLENGE,
  RELEASE,
  type SessionRow,
  SWEEP,
  toSession,
} from './pg-challenge-statements.js';
import { isUniqueViolation, type NamedStatement, pgCode, queryOrFail, toStoreError } from './pg-errors.js';
import { TurnBatch } from './pg-turn-batch.js';

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

const hashOf = (state: Uint8Array): Buffer => createHash('sha256').update(state).digest();

/** A claim in a batch: the session's id and current State's hash, and the caller's clock. */
interface Claim {
  readonly id: string;
  readonly hash: Buffer;
  readonly now: number;
}

/**
 * Challenge sessions in PostgreSQL (migration 11), so the answer to a challenge may reach any node: a NAS that
 * fails over sends it to another server than the one that asked (docs/storage.md "Logins across nodes"). Only the
 * State's SHA-256 is stored: a row read from the database cannot answer a challenge. Each transition is one
 * conditional UPDATE; the session object a method is given is the calling node's copy, updated when it succeeds.
 * The steps every login takes (open, take, claim, end) are gathered per event-loop turn into one statement each
 * (pg-turn-batch.ts): a morning rush costs a few statements per turn instead of four per login.
 */
export class PgChallengeStore implements ChallengeStore {
  readonly #pool: pg.Pool;
  readonly #lifetimeMs: number;
  #sweptAt = 0;
  #opened = 0;
  #analyzeAt = FIRST_ANALYZE_AFTER_OPENS;
  readonly #opens = new TurnBatch<unknown[], StoreError | undefined>((rows) => this.#openMany(rows));
  readonly #finds = new TurnBatch<Buffer, SessionRow | undefined>((hashes) => this.#findMany(hashes));
  readonly #claims = new TurnBatch<Claim, number | undefined>((claims) => this.#claimMany(claims));
  readonly #ends = new TurnBatch<{ id: string; now: number }, undefined>((ends) => this.#endMany(ends));

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

  /** One INSERT for the turn; should one row be refused, each is inserted alone so only its caller hears it. */
  async #openMany(rows: readonly unknown[][]): Promise<(StoreError | undefined)[]> {
    if (rows.length > 1) {
      const columns = rows[0]!.map((_, column) => rows.map((row) => row[column]));
      try {
        await this.#pool.query({ name: 'challenge-open-many', text: INSERT_MANY, values: columns });
        return rows.map(() => undefined);
      } catch (error) {
        if (!isUniqueViolation(error)) throw toStoreError(error, 'opening challenges');
      }
    }
    // In batch order, so of two opens with one id the earlier one wins.
    const answers: (StoreError | undefined)[] = [];
    for (const row of rows) answers.push(await this.#openOne(row));
    return answers;
  }

  async #openOne(row: unknown[]): Promise<StoreError | undefined> {
    try {
      await this.#pool.query({ name: 'challenge-open', text: INSERT, values: row });
      return undefined;
    } catch (error) {
      if (isUniqueViolation(error, 'challenge_sessions_pkey')) {
        return new StoreError(StoreErrorCode.AlreadyExists, 'a challenge with this transaction id exists');
      }
      throw toStoreError(error, 'opening a challenge');
    }
  }

  async take(state: Uint8Array, clientName: string, typedName: string, now: number): Promise<TakeResult> {
    if (state.length !== STATE_OCTETS) return { ok: false, reason: Reason.StateUnknown };
    const hash = hashOf(state);
    const row = await this.#finds.add(hash);
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

  /**
   * One SELECT for the turn's States; each hash gets the row holding it as its State, or else as the State a
   * re-challenge replaced (a second SELECT, only when some hash was not found: a NAS resending an old answer).
   */
  async #findMany(hashes: readonly Buffer[]): Promise<(SessionRow | undefined)[]> {
    const action = 'reading challenges';
    const byHash = new Map<string, SessionRow>();
    const current = await this.#query<SessionRow>(
      { name: 'challenge-find-many', text: FIND_MANY },
      [hashes],
      action,
    );
    for (const row of current.rows) byHash.set(row.state_hash.toString('latin1'), row);
    const missing = hashes.filter((hash) => !byHash.has(hash.toString('latin1')));
    if (missing.length > 0) {
      const earlier = await this.#query<SessionRow>(
        { name: 'challenge-find-previous', text: FIND_PREVIOUS },
        [missing],
        action,
      );
      for (const row of earlier.rows) byHash.set(row.previous_hash!.toString('latin1'), row);
    }
    return hashes.map((hash) => byHash.get(hash.toString('latin1')));
  }

  async claim(session: ChallengeSession, now: number): Promise<boolean> {
    const attempts = await this.#claims.add({ id: session.transactionId, hash: hashOf(session.state), now });
    if (attempts === undefined) return false;
    session.codeAttempts = attempts;
    session.checking = true;
    return true;
  }

  /**
   * The turn's claims in one UPDATE. The claims of one turn were made within a millisecond or so: the latest clock
   * of the batch stands for all (a claim lasts CLAIM_MS). Should PostgreSQL report a deadlock (40P01) against
   * another node's batch, each claim is made alone.
   */
  async #claimMany(claims: readonly Claim[]): Promise<(number | undefined)[]> {
    let now = 0;
    for (const claim of claims) now = Math.max(now, claim.now);
    const values = [claims.map((claim) => claim.hash), claims.map((claim) => claim.id), now + CLAIM_MS, now];
    let rows: { state_hash: Buffer; transaction_id: string; code_attempts: number }[];
    try {
      ({ rows } = await this.#pool.query({ name: 'challenge-claim-many', text: CLAIM_MANY, values }));
    } catch (error) {
      if (pgCode(error) === '40P01' && claims.length > 1) {
        return Promise.all(claims.map((claim) => this.#claimMany([claim]).then((one) => one[0])));
      }
      throw toStoreError(error, 'claiming a challenge');
    }
    const claimed = new Map<string, { transaction_id: string; code_attempts: number } | undefined>();
    for (const row of rows) claimed.set(row.state_hash.toString('latin1'), row);
    return claims.map((claim) => {
      const key = claim.hash.toString('latin1');
      const row = claimed.get(key);
      if (row === undefined || row.transaction_id !== claim.id) return undefined;
      claimed.set(key, undefined);
      return row.code_attempts;
    });
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
    await this.#ends.add({ id: session.transactionId, now });
    session.checking = false;
  }

  /** The turn's ends in one UPDATE, stamped with the batch's latest clock (a deadlock: each alone). */
  async #endMany(ends: readonly { id: string; now: number }[]): Promise<undefined[]> {
    let now = 0;
    for (const end of ends) now = Math.max(now, end.now);
    const values = [ends.map((end) => end.id), now];
    try {
      await this.#pool.query({ name: 'challenge-end-many', text: END_MANY, values });
    } catch (error) {
      if (pgCode(error) === '40P01' && ends.length > 1) {
        return Promise.all(ends.map((end) => this.#endMany([end]).then(() => undefined)));
      }
      throw toStoreError(error, 'ending a challenge');
    }
    return ends.map(() => undefined);
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

  /** See FIRST_ANALYZE_AFTER_OPENS; never awaited. */
  #analyze(): void {
    this.#analyzeAt =
      this.#analyzeAt >= LAST_ANALYZE_AFTER_OPENS ? Number.POSITIVE_INFINITY : this.#analyzeAt * 2;
    // A role that does not own the table gets a warning, not an error; a failure leaves the plans to autovacuum.
    this.#pool.query(ANALYZE).catch(() => {});
  }
}
