// Owns the SQL of the PostgreSQL tokens and backup codes, and the mapping of their rows (seeds unsealed, A9.1).
import { PLAIN_NAME_CHARS } from '../../domain/name-key.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { OtpAlgorithm, Token, TokenType } from '../../domain/token.js';
import { SealError, type Sealer } from '../sealer.js';
import { tokenSecretAad } from '../sqlite/sqlite-token-store.js';

export interface TokenRow {
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

export const LIST = `SELECT ${COLUMNS} FROM tokens ORDER BY id`;
export const LIST_FOR_USER = `SELECT ${COLUMNS} FROM tokens WHERE user_name = $1 ORDER BY id`;
export const GET_BY_SERIAL = `SELECT ${COLUMNS} FROM tokens WHERE serial = $1`;

// Adding tokens (pg-token-inserts.ts): the locks, the holders and held tokens read under them, the inserts.
export const LOCK_FOR_IMPORT = 'LOCK TABLE tokens IN SHARE ROW EXCLUSIVE MODE';
export const LOCK_FOR_ADD = 'LOCK TABLE tokens IN ROW EXCLUSIVE MODE';
export const HOLDER_LOCK = 'SELECT pg_advisory_xact_lock($1, $2)';
/**
 * The holders that may share a name key with a batch ($1: the batch's keys), a superset the caller narrows with
 * nameKey: a plain name's key is its lower case (PLAIN_NAME_CHARS; `lower()` under COLLATE "C" is ASCII's, written
 * out so no locale's rule, such as Turkish `I` to `ı`, can apply), so a plain holder is read only when its lower
 * case is one of the keys; every other name (spaces, other scripts, full width) is read. Not every holder of the table: that read grew with the table, and was half
 * of an add at 300,000 tokens.
 */
export const HOLDERS_OF_KEYS =
  'SELECT DISTINCT user_name FROM tokens ' +
  `WHERE lower(user_name COLLATE "C") = ANY($1::text[]) OR user_name ~ '[^${PLAIN_NAME_CHARS}]'`;
export const HELD_BY = `SELECT ${COLUMNS} FROM tokens WHERE user_name = ANY($1::text[]) ORDER BY id`;
export const INSERT_MANY =
  'INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, label, ' +
  'created_at) SELECT serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, label, $10 ' +
  'FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::bigint[], ' +
  '$9::text[]) WITH ORDINALITY AS t (serial, user_name, type, secret_sealed, algorithm, digits, period, ' +
  `last_used, label, n) ORDER BY n RETURNING ${COLUMNS}`;
export const INSERT_BACKUP_CODES =
  'INSERT INTO backup_codes (token_id, code_hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])';

export const REMOVE = 'DELETE FROM tokens WHERE serial = $1';
export const SET_LABEL = 'UPDATE tokens SET label = $1 WHERE serial = $2';

// A6.4: each a conditional statement (PgTokenStore.recordSuccess, recordSuccesses, applyReplayMarks).
export const RECORD_SUCCESS =
  'UPDATE tokens SET last_used = $1, drift = $2 WHERE serial = $3 AND last_used = $4 AND $1 > last_used';
// Given sorted by serial (recordSuccesses sorts), joined by the serial index: rows are locked in that order.
export const RECORD_SUCCESSES =
  'UPDATE tokens AS t SET last_used = m.new_last, drift = m.drift ' +
  'FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS m (serial, new_last, drift, expected) ' +
  'WHERE t.serial = m.serial AND t.last_used = m.expected AND m.new_last > t.last_used RETURNING t.serial';
export const APPLY_REPLAY_MARKS =
  'UPDATE tokens AS t SET last_used = m.last_used, drift = m.drift ' +
  'FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS m (id, last_used, drift) ' +
  'WHERE t.id = m.id AND t.last_used < m.last_used';

export const RECORD_FAILURE =
  'UPDATE tokens SET failures = failures + 1, last_failure_at = $1 WHERE serial = $2 RETURNING failures';
export const RESET_FAILURES = 'UPDATE tokens SET failures = 0, locked_until = NULL WHERE serial = $1';
export const SET_LOCKED_UNTIL = 'UPDATE tokens SET locked_until = $1 WHERE serial = $2';
export const USE_BACKUP_CODE =
  'UPDATE backup_codes SET used_at = $1 WHERE used_at IS NULL AND code_hash = $2 ' +
  "AND token_id = (SELECT id FROM tokens WHERE serial = $3 AND type = 'backup')";
export const UNUSED_BACKUP_CODES =
  'SELECT count(*)::int AS unused FROM backup_codes WHERE used_at IS NULL ' +
  'AND token_id = (SELECT id FROM tokens WHERE serial = $1)';

export function toToken(row: TokenRow, sealer: Sealer): Token {
  return {
    id: Number(row.id),
    serial: row.serial,
    userName: row.user_name,
    type: row.type as TokenType, // the CHECK constraint admits nothing else
    secret: openSecret(sealer, row.secret_sealed, row.serial),
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

function openSecret(sealer: Sealer, sealed: string, serial: string): Uint8Array {
  try {
    return sealer.open(sealed, tokenSecretAad(serial));
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
