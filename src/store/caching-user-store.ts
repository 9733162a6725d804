// Owns the server's in-memory users: every user loaded at start (the login index), or each on its first login.
import type { LoginUser, LoginUserSource, PreparedHash, UserStore } from '../domain/ports.js';
import type { NewUser, User, UserStatus } from '../domain/user.js';

const NO_GROUPS: readonly string[] = Object.freeze([]);

/**
 * Users for the login path, from memory. Two modes:
 * - **complete** (after `load`, `storage.loginIndex: memory`): every user is here, so a name that is not is no
 *   user, answered without a query (a flood of made-up names costs nothing). A user some writer changed is
 *   marked by `refresh` and read again from the store at its next login.
 * - **lazy** (before `load`): a miss reads the store and keeps the user; unknown names are not kept, so made-up
 *   names cannot fill memory; the cache is emptied when it reaches `maxEntries`.
 * Writes made through this object reach the cache at once; writes by anyone else arrive through the change feed
 * (`refresh`), or `invalidateAll` when the feed lost track.
 */
export class CachingUserStore implements UserStore, LoginUserSource {
  /** One entry per user; the login path keeps what it derives from the user in the entry's slots. */
  private readonly cache = new Map<string, LoginUser>();
  /** Complete mode: names changed since their entry was read, so a miss on them must ask the store. */
  private readonly reread = new Set<string>();
  /** Equal group lists share one frozen array: most users of a site are in the same few groups. */
  private readonly groupLists = new Map<string, readonly string[]>();
  private complete = false;

  constructor(
    private readonly inner: UserStore,
    private readonly maxEntries = 500_000,
    /** Parses a stored hash for the login path (`PasswordVerifier.prepare`); `load` parses every user's once. */
    private readonly prepare?: (storedHash: string) => PreparedHash,
  ) {}

  get size(): number {
    return this.cache.size;
  }

  /** True once every user is in memory (`load`). */
  get isComplete(): boolean {
    return this.complete;
  }

  /** Holds exactly `users` (every user of the store, read after the change feed's start) and turns complete. */
  load(users: readonly User[]): void {
    this.cache.clear();
    this.reread.clear();
    // Time stamps repeat (an import writes one per batch): each distinct one is kept once.
    const stamps = new Map<string, string>();
    const once = (value: string): string => {
      const known = stamps.get(value);
      if (known !== undefined) return known;
      stamps.set(value, value);
      return value;
    };
    for (const user of users) {
      const mutable = user as { createdAt: string; updatedAt: string };
      mutable.createdAt = once(user.createdAt);
      mutable.updatedAt = once(user.updatedAt);
      const entry = this.entryOf(user);
      // Parsed now rather than at the first login, which would otherwise pay for it (and for promoting it).
      if (this.prepare !== undefined && user.passwordHash !== null)
        entry.preparedHash = this.prepare(user.passwordHash);
      this.cache.set(user.name, entry);
    }
    this.complete = true;
  }

  /** Forgets what is held of `name` (some writer changed it); the next lookup reads the store. */
  refresh(name: string): void {
    this.cache.delete(name);
    if (this.complete) this.reread.add(name);
  }

  /** Forgets everything (the change feed lost track): complete mode reads every user again. */
  invalidateAll(): void {
    if (this.complete) this.load(this.inner.list());
    else this.cache.clear();
  }

  getByName(name: string): User | undefined {
    return this.loginUser(name)?.user;
  }

  /** The entry of a user; undefined for a name that is no user. */
  loginUser(name: string): LoginUser | undefined {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    if (this.complete && !this.reread.has(name)) return undefined;
    const user = this.inner.getByName(name);
    this.reread.delete(name);
    if (user === undefined) return undefined;
    if (!this.complete && this.cache.size >= this.maxEntries) this.cache.clear();
    const entry = this.entryOf(user);
    this.cache.set(name, entry);
    return entry;
  }

  private entryOf(user: User): LoginUser {
    // The store made this object for us alone: it may take the shared list before it is frozen.
    (user as { groups: readonly string[] }).groups = this.sharedGroups(user.groups);
    // One object serves every later lookup: frozen, so no caller can change what others see.
    const frozen = Object.freeze(user);
    // Slots are declared up front so every entry has the same shape (one hidden class on the hot path).
    return { user: frozen, preparedHash: undefined, passed: undefined };
  }

  private sharedGroups(groups: readonly string[]): readonly string[] {
    if (groups.length === 0) return NO_GROUPS;
    const key = groups.join('\u0000');
    let shared = this.groupLists.get(key);
    if (shared === undefined) {
      shared = Object.freeze([...groups]);
      this.groupLists.set(key, shared);
    }
    return shared;
  }

  list(): User[] {
    return this.inner.list();
  }

  count(): number {
    return this.inner.count();
  }

  add(user: NewUser): User {
    try {
      return this.inner.add(user);
    } finally {
      this.refresh(user.name);
    }
  }

  setPasswordHash(name: string, passwordHash: string | null): boolean {
    try {
      return this.inner.setPasswordHash(name, passwordHash);
    } finally {
      this.refresh(name);
    }
  }

  setStatus(name: string, status: UserStatus): boolean {
    try {
      return this.inner.setStatus(name, status);
    } finally {
      this.refresh(name);
    }
  }

  setGroups(name: string, groups: readonly string[]): boolean {
    try {
      return this.inner.setGroups(name, groups);
    } finally {
      this.refresh(name);
    }
  }

  remove(name: string): boolean {
    try {
      return this.inner.remove(name);
    } finally {
      this.refresh(name);
    }
  }

  upsertMany(users: readonly NewUser[]): { added: number; updated: number } {
    try {
      return this.inner.upsertMany(users);
    } finally {
      for (const user of users) this.refresh(user.name);
    }
  }
}
