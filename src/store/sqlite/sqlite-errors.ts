// Owns translating SQLite failures into the store port's StoreError codes.
import { StoreError, StoreErrorCode } from '../../domain/ports.js';

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a UNIQUE (or PRIMARY KEY) constraint failure. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True for a PRIMARY KEY failure only: a row with the key exists (a UNIQUE index's failure is not one). */
export function isPrimaryKeyViolation(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Wraps anything thrown by the driver as `STORE_UNAVAILABLE` (busy, I/O error, corrupt file …), keeping it as the
 * cause; a StoreError passes through unchanged.
 */
export function toStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error) ?? 'unknown error';
  return new StoreError(StoreErrorCode.Unavailable, `${action} failed (${code})`, { cause: error });
}
