// Owns the in-memory adapter of the AccountLockoutStore port, for unit tests of use cases.
import type { AccountLockout, AccountLockoutStore } from '../../domain/account-lockout.js';

/**
 * Account lockouts in a Map keyed by the exact (case-sensitive) name. Each method runs to completion on the one
 * JavaScript thread, so recordFailure is as atomic here as the SQLite upsert. Entries are immutable objects, so
 * returning them hands out no way to change what is stored.
 */
export class MemoryAccountLockoutStore implements AccountLockoutStore {
  readonly #rows = new Map<string, AccountLockout>();

  get(userName: string): AccountLockout | undefined {
    return this.#rows.get(userName);
  }

  recordFailure(userName: string, _now: Date): number {
    const row = this.#rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    const next = { ...row, failures: row.failures + 1 };
    this.#rows.set(userName, Object.freeze(next));
    return next.failures;
  }

  lock(userName: string, lockedUntil: string): void {
    const locks = (this.#rows.get(userName)?.locks ?? 0) + 1;
    this.#rows.set(userName, Object.freeze({ userName, failures: 0, lockedUntil, locks }));
  }

  reset(userName: string): boolean {
    return this.#rows.delete(userName);
  }

  list(): AccountLockout[] {
    // Same order as the SQLite adapter's ORDER BY user_name: BINARY collation compares the UTF-8 bytes.
    return [...this.#rows.values()]
      .filter((row) => row.failures > 0 || row.lockedUntil !== null || row.locks > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a.userName), Buffer.from(b.userName)));
  }
}
