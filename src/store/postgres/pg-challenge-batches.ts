// Owns the batched statements of the PostgreSQL challenge sessions: one statement per step for a turn's logins.
import type pg from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import {
  CLAIM_MANY,
  END_MANY,
  FIND_MANY,
  FIND_PREVIOUS,
  INSERT,
  INSERT_MANY,
  type SessionRow,
  TAKE_CLAIM_MANY,
} from './pg-challenge-statements.js';
import { isUniqueViolation, pgCode, queryOrFail, toStoreError } from './pg-errors.js';

/**
 * How long a claim to check a code holds. A check is a few statements with `storage.timeoutMs` each; a node that
 * died holding a claim leaves the session usable again after this, within its deadline.
 */
export const CLAIM_MS = 30_000;

/** A claim in a batch: the session's id and current State's hash, and the caller's clock. */
export interface Claim {
  readonly id: string;
  readonly hash: Buffer;
  readonly now: number;
}

/** A take-and-claim in a batch: the echoed State's hash, who echoed it, and the caller's clock. */
export interface TakeClaim {
  readonly hash: Buffer;
  readonly clientName: string;
  readonly typedName: string;
  readonly now: number;
}

/** One INSERT for the turn; should one row be refused, each is inserted alone so only its caller hears it. */
export async function openMany(
  pool: pg.Pool,
  rows: readonly unknown[][],
): Promise<(StoreError | undefined)[]> {
  if (rows.length > 1) {
    const columns = rows[0]!.map((_, column) => rows.map((row) => row[column]));
    try {
      await pool.query({ name: 'challenge-open-many', text: INSERT_MANY, values: columns });
      return rows.map(() => undefined);
    } catch (error) {
      if (!isUniqueViolation(error)) throw toStoreError(error, 'opening challenges');
    }
  }
  // In batch order, so of two opens with one id the earlier one wins.
  const answers: (StoreError | undefined)[] = [];
  for (const row of rows) answers.push(await openOne(pool, row));
  return answers;
}

async function openOne(pool: pg.Pool, row: unknown[]): Promise<StoreError | undefined> {
  try {
    await pool.query({ name: 'challenge-open', text: INSERT, values: row });
    return undefined;
  } catch (error) {
    if (isUniqueViolation(error, 'challenge_sessions_pkey')) {
      return new StoreError(StoreErrorCode.AlreadyExists, 'a challenge with this transaction id exists');
    }
    throw toStoreError(error, 'opening a challenge');
  }
}

/**
 * One SELECT for the turn's States; each hash gets the row holding it as its State, or else as the State a
 * re-challenge replaced (a second SELECT, only when some hash was not found: a NAS resending an old answer).
 */
export async function findMany(
  pool: pg.Pool,
  hashes: readonly Buffer[],
): Promise<(SessionRow | undefined)[]> {
  const action = 'reading challenges';
  const byHash = new Map<string, SessionRow>();
  const current = await queryOrFail<SessionRow>(
    pool,
    { name: 'challenge-find-many', text: FIND_MANY },
    [hashes],
    action,
  );
  for (const row of current.rows) byHash.set(row.state_hash.toString('latin1'), row);
  const missing = hashes.filter((hash) => !byHash.has(hash.toString('latin1')));
  if (missing.length > 0) {
    const earlier = await queryOrFail<SessionRow>(
      pool,
      { name: 'challenge-find-previous', text: FIND_PREVIOUS },
      [missing],
      action,
    );
    for (const row of earlier.rows) byHash.set(row.previous_hash!.toString('latin1'), row);
  }
  return hashes.map((hash) => byHash.get(hash.toString('latin1')));
}

/** The turn's take-and-claims in one UPDATE, at the batch's latest clock (a deadlock: each alone). */
export async function takeClaimMany(
  pool: pg.Pool,
  items: readonly TakeClaim[],
): Promise<(SessionRow | undefined)[]> {
  let now = 0;
  for (const item of items) now = Math.max(now, item.now);
  const values = [
    items.map((item) => item.hash),
    items.map((item) => item.clientName),
    items.map((item) => item.typedName),
    now + CLAIM_MS,
    now,
  ];
  let rows: SessionRow[];
  try {
    ({ rows } = await pool.query({
      name: 'challenge-take-claim-many',
      text: TAKE_CLAIM_MANY,
      values,
    }));
  } catch (error) {
    if (pgCode(error) === '40P01' && items.length > 1) {
      return Promise.all(items.map((item) => takeClaimMany(pool, [item]).then((one) => one[0])));
    }
    throw toStoreError(error, 'claiming a challenge');
  }
  const claimed = new Map<string, SessionRow | undefined>();
  for (const row of rows) claimed.set(row.state_hash.toString('latin1'), row);
  return items.map((item) => {
    const key = item.hash.toString('latin1');
    const row = claimed.get(key);
    // The row was claimed for the batch's first caller with that State (array_position); later ones look it up.
    claimed.set(key, undefined);
    return row;
  });
}

/**
 * The turn's claims in one UPDATE. The claims of one turn were made within a millisecond or so: the latest clock
 * of the batch stands for all (a claim lasts CLAIM_MS). Should PostgreSQL report a deadlock (40P01) against
 * another node's batch, each claim is made alone.
 */
export async function claimMany(pool: pg.Pool, claims: readonly Claim[]): Promise<(number | undefined)[]> {
  let now = 0;
  for (const claim of claims) now = Math.max(now, claim.now);
  const values = [claims.map((claim) => claim.hash), claims.map((claim) => claim.id), now + CLAIM_MS, now];
  let rows: { state_hash: Buffer; transaction_id: string; code_attempts: number }[];
  try {
    ({ rows } = await pool.query({ name: 'challenge-claim-many', text: CLAIM_MANY, values }));
  } catch (error) {
    if (pgCode(error) === '40P01' && claims.length > 1) {
      return Promise.all(claims.map((claim) => claimMany(pool, [claim]).then((one) => one[0])));
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

/** The turn's ends in one UPDATE, stamped with the batch's latest clock (a deadlock: each alone). */
export async function endMany(
  pool: pg.Pool,
  ends: readonly { id: string; now: number }[],
): Promise<undefined[]> {
  let now = 0;
  for (const end of ends) now = Math.max(now, end.now);
  const values = [ends.map((end) => end.id), now];
  try {
    await pool.query({ name: 'challenge-end-many', text: END_MANY, values });
  } catch (error) {
    if (pgCode(error) === '40P01' && ends.length > 1) {
      return Promise.all(ends.map((end) => endMany(pool, [end]).then(() => undefined)));
    }
    throw toStoreError(error, 'ending a challenge');
  }
  return ends.map(() => undefined);
}
