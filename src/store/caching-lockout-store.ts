// Owns an in-memory copy of the account lockout table, so checking a code costs no query for the lock.
import type { AccountLockout, AccountLockoutStore } from '../domain/account-lockout.js';
import type { Awaitable } from '../domain/awaitable.js';

const rowsOf = (rows: readonly AccountLockout[]) => new Map(rows.map((row) => [row.userName, row]));

/**
 * The table is small (rows exist only for accounts with recent failures, and only names that passed a first
 * factor or exist can fail a code), so the server keeps all of it in a Map. Writes go to the database first and
 * then to the Map; a row another writer changed (`assent user unlock`, another node) is read again through
 * `refresh` (the change feed), and `invalidateAll()` reloads the whole table.
 *
 * Over a store that answers with promises (PostgreSQL), `get` still answers from the Map: while a row is read
 * again, the old one answers (the change feed is behind by as much anyway). The table is read at construction;
 * `loaded` says when it is in, and nothing should ask `get` before.
 */
export class CachingLockoutStore implements AccountLockoutStore {
  private rows = new Map<string, AccountLockout>();
  /**
   * The newest read or write of each account still under way. A read that an account's later read or write
   * overtook is not kept; a write's own result always is (it is what the database said at that write).
   */
  private readonly latest = new Map<string, object>();
  /** While `invalidateAll` waits for the table: accounts changed since it asked, whose Map rows stay. */
  private relisting: Set<string> | undefined;
  /** Settles when the table read at construction is in (at once over a store that answers values). */
  readonly loaded: Awaitable<void>;

  constructor(private readonly inner: AccountLockoutStore) {
    this.loaded = this.invalidateAll();
  }

  /** Reads the whole table again; over a store that answers with promises, the old rows answer meanwhile. */
  invalidateAll(): Awaitable<void> {
    const listed = this.inner.list();
    if (!(listed instanceof Promise)) {
      this.rows = rowsOf(listed);
      return;
    }
    const changed = new Set<string>();
    this.relisting = changed;
    return listed.then(
      (list) => {
        // A later invalidateAll asked again: its table is the one to keep.
        if (this.relisting !== changed) return;
        this.relisting = undefined;
        const rows = rowsOf(list);
        // What was read or written for an account since the table was asked for is newer than the table.
        for (const userName of changed) {
          const row = this.rows.get(userName);
          if (row === undefined) rows.delete(userName);
          else rows.set(userName, row);
        }
        this.rows = rows;
      },
      (error: unknown) => {
        if (this.relisting === changed) this.relisting = undefined;
        throw error;
      },
    );
  }

  /** Reads one account's row again (the change feed said another writer changed it). */
  refresh(userName: string): Awaitable<void> {
    const row = this.inner.get(userName);
    if (!(row instanceof Promise)) {
      this.put(userName, row);
      return;
    }
    const ticket = this.claim(userName);
    return row.then(
      (read) => {
        if (this.latest.get(userName) !== ticket) return;
        this.latest.delete(userName);
        this.put(userName, read);
      },
      (error: unknown) => {
        if (this.latest.get(userName) === ticket) this.latest.delete(userName);
        throw error;
      },
    );
  }

  get(userName: string): AccountLockout | undefined {
    return this.rows.get(userName);
  }

  recordFailure(userName: string, now: Date): Awaitable<number> {
    const failures = this.inner.recordFailure(userName, now);
    if (!(failures instanceof Promise)) return this.failed(userName, failures);
    return this.afterWrite(userName, failures, (counted) => this.failed(userName, counted));
  }

  private failed(userName: string, failures: number): number {
    const row = this.rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    this.rows.set(userName, { ...row, failures });
    return failures;
  }

  lock(userName: string, lockedUntil: string): Awaitable<void> {
    const locked = this.inner.lock(userName, lockedUntil);
    if (!(locked instanceof Promise)) {
      this.locked(userName, lockedUntil);
      return;
    }
    return this.afterWrite(userName, locked, () => this.locked(userName, lockedUntil));
  }

  private locked(userName: string, lockedUntil: string): void {
    const row = this.rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    this.rows.set(userName, { ...row, failures: 0, lockedUntil, locks: row.locks + 1 });
  }

  reset(userName: string): Awaitable<boolean> {
    this.rows.delete(userName);
    const reset = this.inner.reset(userName);
    if (!(reset instanceof Promise)) return reset;
    return this.afterWrite(userName, reset, (found, newest) => {
      // A read that began while the reset was under way may have brought the row back.
      if (newest) this.rows.delete(userName);
      return found;
    });
  }

  /** Admin listing: straight from the database, in its order. */
  list(): Awaitable<AccountLockout[]> {
    return this.inner.list();
  }

  private put(userName: string, row: AccountLockout | undefined): void {
    if (row === undefined) this.rows.delete(userName);
    else this.rows.set(userName, row);
  }

  /** Marks the account's newest operation, so reads of it that began earlier are not kept. */
  private claim(userName: string): object {
    const ticket = {};
    this.latest.set(userName, ticket);
    this.relisting?.add(userName);
    return ticket;
  }

  /**
   * A write that answers later: its result goes into the Map when it does. `newest`: nothing about the account
   * began after it.
   */
  private afterWrite<T>(
    userName: string,
    write: Promise<T>,
    apply: (result: T, newest: boolean) => T,
  ): Promise<T> {
    const ticket = this.claim(userName);
    return write.then(
      (result) => {
        const newest = this.latest.get(userName) === ticket;
        if (newest) this.latest.delete(userName);
        return apply(result, newest);
      },
      (error: unknown) => {
        if (this.latest.get(userName) === ticket) this.latest.delete(userName);
        throw error;
      },
    );
  }
}
