// Owns the SQL of the PostgreSQL challenge sessions (migration 11) and the mapping of their rows.
import type { ChallengeSession } from '../../domain/challenge-session.js';

/** A session row as the lookups read it (BIGINT columns as text, cast in SQL). */
export interface SessionRow {
  transaction_id: string;
  state_hash: Buffer;
  previous_hash: Buffer | null;
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

const COLUMNS =
  'transaction_id, state_hash, client_name, typed_name, identity_name, identity_groups, identity_source, ' +
  'deadline, number, enroll_url, user_ip';
export const INSERT = `INSERT INTO challenge_sessions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
export const INSERT_MANY =
  `INSERT INTO challenge_sessions (${COLUMNS}) SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], ` +
  '$4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[])';
// The State is found by its hash: the index lookup compares hashes, so its timing says nothing about the State.
// `= ANY` on a unique index: the planner expects one row per hash and probes the index, whatever the table's
// statistics. Measured alternatives that it planned as sequential scans of the whole table per batch: an OR with
// `previous_hash` (44 ms for 250 hashes and 20,000 rows), and a LATERAL lookup with LIMIT 1 (the planner expected
// an early match; 265 µs per hash). A State a re-challenge replaced is looked for only among those not found.
const FIND_COLUMNS =
  'transaction_id, state_hash, previous_hash, client_name, typed_name, identity_name, identity_groups, ' +
  'identity_source, deadline::text, code_attempts, checking_until::text, pushing, number, enroll_url, user_ip, ' +
  'ended_at::text';
export const FIND_MANY = `SELECT ${FIND_COLUMNS} FROM challenge_sessions WHERE state_hash = ANY($1::bytea[])`;
// `IS NOT NULL` lets the planner use the partial index of migration 12.
export const FIND_PREVIOUS = `SELECT ${FIND_COLUMNS} FROM challenge_sessions WHERE previous_hash = ANY($1::bytea[]) AND previous_hash IS NOT NULL`;
// A4.3: one conditional statement, so two nodes answering with one State cannot both win. Rows are found with
// `= ANY` on an index (a join with unnest was planned as a sequential scan of the whole table per batch; so is
// `= ANY` under the statistics of an empty table, hence the store's ANALYZE). A row claimed twice in one batch is updated once; the batch's first claim of
// it wins (`#claimMany`).
export const CLAIM_MANY =
  'UPDATE challenge_sessions SET checking_until = $3, code_attempts = code_attempts + 1 ' +
  'WHERE state_hash = ANY($1::bytea[]) AND transaction_id = ANY($2::text[]) AND ended_at IS NULL ' +
  'AND checking_until <= $4 RETURNING state_hash, transaction_id, code_attempts';
export const RELEASE =
  'UPDATE challenge_sessions SET checking_until = 0 WHERE transaction_id = $1 AND state_hash = $2';
export const PUSHING =
  'UPDATE challenge_sessions SET pushing = 1 ' +
  'WHERE transaction_id = $1 AND ended_at IS NULL AND pushing = 0 RETURNING 1';
// `take` and `claim` in one statement for answers that type a code (A4.3, A4.4): the rows found by their State's
// hash on the unique index, and claimed only when live, not being checked, not an enrollment at login's, and bound
// to the client and User-Name that answered with that State (A4.1: the two arrays run parallel to the hashes; a
// hash twice in one batch is matched against its first caller). Rows it does not claim are looked up by `take`.
// The claim also ends the session unless a push waits on it (whose decision ends it then): a right code, the
// common case, then needs no statement of its own to end it. A wrong code with attempts left brings it back under
// a new State (REVIVE_CLAIMED); every other transition requires `ended_at IS NULL`, so nothing else can have
// changed a row between this claim and that.
export const TAKE_CLAIM_MANY =
  'UPDATE challenge_sessions SET checking_until = $4, code_attempts = code_attempts + 1, ' +
  'ended_at = CASE WHEN pushing = 0 THEN $5 ELSE NULL END ' +
  'WHERE state_hash = ANY($1::bytea[]) AND ended_at IS NULL AND checking_until <= $5 AND deadline >= $5 ' +
  "AND enroll_url = '' AND client_name = ($2::text[])[array_position($1::bytea[], state_hash)] " +
  `AND typed_name = ($3::text[])[array_position($1::bytea[], state_hash)] RETURNING ${FIND_COLUMNS}`;
export const END_MANY =
  'UPDATE challenge_sessions SET ended_at = $2, checking_until = 0 ' +
  'WHERE transaction_id = ANY($1::text[]) AND ended_at IS NULL';
/** A wrong code's new State: $1 the transaction, $2 the old State's hash, $3 the new one's, $4 the attempts. */
const RECHALLENGE_SET =
  'UPDATE challenge_sessions SET previous_hash = state_hash, state_hash = $3, checking_until = 0, ' +
  'code_attempts = greatest(code_attempts, $4)';
export const RECHALLENGE = `${RECHALLENGE_SET} WHERE transaction_id = $1 AND state_hash = $2 AND ended_at IS NULL`;
/** A re-challenge of a session its claim ended (TAKE_CLAIM_MANY): only the row as that claim left it. */
export const REVIVE_CLAIMED =
  `${RECHALLENGE_SET}, ended_at = NULL ` +
  'WHERE transaction_id = $1 AND state_hash = $2 AND ended_at = $5 AND checking_until = $6';
export const SWEEP = 'DELETE FROM challenge_sessions WHERE deadline < $1';
export const ANALYZE = 'ANALYZE challenge_sessions (transaction_id, state_hash)';

export function toSession(row: SessionRow, state: Uint8Array, now: number): ChallengeSession {
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
