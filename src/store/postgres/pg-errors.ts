// Owns translating PostgreSQL failures into the store port's StoreError codes.
import type pg from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';

/** The SQLSTATE of a server error (`23505`), or the Node error code of a connection failure (`ECONNREFUSED`). */
export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a UNIQUE or PRIMARY KEY violation (SQLSTATE 23505), optionally of one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (pgCode(error) !== '23505') return false;
  return constraint === undefined || (error as { constraint?: unknown }).constraint === constraint;
}

/**
 * Wraps anything the driver throws as `STORE_UNAVAILABLE` (connection refused or lost, timeout, serialization
 * failure …), keeping it as the cause; a StoreError passes through unchanged. The code goes into the message so
 * an operator reading the log sees why without the stack.
 */
export function toStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = pgCode(error);
  // A client-side failure (query or connection timeout) has no code: its message is the reason.
  const reason = code ?? ((error as Error | null)?.message || 'unknown error');
  return new StoreError(StoreErrorCode.Unavailable, `${action} failed (${reason})`, { cause: error });
}

/** A prepared statement: PostgreSQL parses and plans it once per connection under its name. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** One statement on a pool or a client; any failure becomes `STORE_UNAVAILABLE` naming `action`. */
export async function queryOrFail<R extends pg.QueryResultRow>(
  db: pg.Pool | pg.ClientBase,
  statement: string | NamedStatement,
  values: unknown[],
  action: string,
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(
      typeof statement === 'string' ? { text: statement, values } : { ...statement, values },
    );
  } catch (error) {
    throw toStoreError(error, action);
  }
}
