// Owns an in-memory copy of the account lockout table, so checking a code costs no query for the lock.
import type { AccountLockout, AccountLockoutStore } from '../domain/account-lockout.js';

/**
 * The table is small (rows exist only for accounts with recent failures, and only names that passed a first
 * factor or exist can fail a code), so the server keeps all of it in a Map. Writes go to the database first and
 * then to the Map; a row another writer changed (`assent user unlock`, another node) is read again through
 * `refresh` (the change feed), and `invalidateAll()` reloads the whole table.
 */
export class CachingLockoutStore implements AccountLockoutStore {
  private rows = new Map<string, AccountLockout>();

  constructor(private readonly inner: AccountLockoutStore) {
    this.invalidateAll();
  }

  invalidateAll(): void {
    this.rows = new Map(this.inner.list().map((row) => [row.userName, row]));
  }

  /** Reads one account's row again (the change feed said another writer changed it). */
  refresh(userName: string): void {
    const row = this.inner.get(userName);
    if (row === undefined) this.rows.delete(userName);
    else this.rows.set(userName, row);
  }

  get(userName: string): AccountLockout | undefined {
    return this.rows.get(userName);
  }

  recordFailure(userName: string, now: Date): number {
    const failures = this.inner.recordFailure(userName, now);
    const row = this.rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    this.rows.set(userName, { ...row, failures });
    return failures;
  }

  lock(userName: string, lockedUntil: string): void {
    this.inner.lock(userName, lockedUntil);
    const row = this.rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    this.rows.set(userName, { ...row, failures: 0, lockedUntil, locks: row.locks + 1 });
  }

  reset(userName: string): boolean {
    this.rows.delete(userName);
    return this.inner.reset(userName);
  }

  /** Admin listing: straight from the database, in its order. */
  list(): AccountLockout[] {
    return this.inner.list();
  }
}
