// Owns the server's in-memory users: every user loaded at start (the login index), or each on its first login.
import type { Awaitable } from '../domain/awaitable.js';
import type { LoginUser, PreparedHash, UserStore } from '../domain/ports.js';
import type { NewUser, User, UserStatus } from '../domain/user.js';

/**
 * What a cache's method answers over an inner store of type `S`: a plain `T` when `S[K]` answers plain values
 * (SQLite, memory), else a value or a promise. Code holding a cache over SQLite so keeps synchronous types.
 */
export type Follows<S, K extends keyof S, T> = S[K] extends (...args: never[]) => infer R
  ? R extends Promise<unknown>
    ? Awaitable<T>
    : T
  : never;

const NO_GROUPS: readonly string[] = Object.freeze([]);

const userOf = (entry: LoginUser | undefined): User | undefined => entry?.user;

/**
 * Users for the login path, from memory. Two modes:
 * - **complete** (after `load`, `storage.loginIndex: memory`): every user is here, so a name that is not is no
 *   user, answered without a query (a flood of made-up names costs nothing). A user some writer changed is
 *   marked by `refresh` and read again from the store at its next login.
 * - **lazy** (before `load`): a miss reads the store and keeps the user; unknown names are not kept, so made-up
 *   names cannot fill memory; the cache is emptied when it reaches `maxEntries`.
 * Writes made through this object reach the cache at once; writes by anyone else arrive through the change feed
 * (`refresh`), or `invalidateAll` when the feed lost track.
 *
 * Over a store that answers with promises (PostgreSQL), a lookup the cache cannot answer returns a promise; every
 * lookup of the same name joins that one read. A read that a change overtook (`refresh`, a write) still answers
 * its callers but is not kept, so an older read never replaces what a newer one brings.
 */
export class CachingUserStore<Inner extends UserStore = UserStore> implements UserStore {
  /** One entry per user; the login path keeps what it derives from the user in the entry's slots. */
  private readonly cache = new Map<string, LoginUser>();
  /** Complete mode: names changed since their entry was read, so a miss on them must ask the store. */
  private readonly reread = new Set<string>();
  /** Equal group lists share one frozen array: most users of a site are in the same few groups. */
  private readonly groupLists = new Map<string, readonly string[]>();
  /** Reads of one user still in flight, by name; a change to the user removes its read from here. */
  private readonly reading = new Map<string, Promise<LoginUser | undefined>>();
  /** While `invalidateAll` waits for every user: the names changed since it asked, read again once it has them. */
  private relisting: Set<string> | undefined;
  private complete = false;
  /** Complete mode: asked before a name is answered as no user (`lookAgainOnMiss`). */
  private catchUp: (() => boolean) | undefined;

  constructor(
    private readonly inner: Inner,
    private readonly maxEntries = 500_000,
    /** Parses a stored hash for the login path (`PasswordVerifier.prepare`); `load` parses every user's once. */
    private readonly prepare?: (storedHash: string) => PreparedHash,
  ) {}

  get size(): number {
    return this.cache.size;
  }

  /**
   * Complete mode: before a name is answered as no user, `catchUp` applies what other processes committed since
   * the change feed last looked (SQLite: one pragma) and says whether there was anything; if so the name is looked
   * up again. So a user an `assent` command added a moment ago can log in at once, and a made-up name costs one
   * pragma more.
   */
  lookAgainOnMiss(catchUp: () => boolean): void {
    this.catchUp = catchUp;
  }

  /** True once every user is in memory (`load`). */
  get isComplete(): boolean {
    return this.complete;
  }

  /** Holds exactly `users` (every user of the store, read after the change feed's start) and turns complete. */
  load(users: readonly User[]): void {
    this.cache.clear();
    this.reread.clear();
    this.reading.clear();
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

  /**
   * The name string of the user held under `name` (an equal string, the very object the cache keys by), or
   * `name` itself when no such user is held. The login index gives tokens this object for their user's name, so
   * one string serves every table keyed by the user and a lookup with it matches on identity, not content.
   */
  sharedName(name: string): string {
    return this.cache.get(name)?.user.name ?? name;
  }

  /** Forgets what is held of `name` (some writer changed it); the next lookup reads the store. */
  refresh(name: string): void {
    this.cache.delete(name);
    this.reading.delete(name);
    if (this.complete) this.reread.add(name);
    this.relisting?.add(name);
  }

  /**
   * Forgets everything (the change feed lost track): complete mode reads every user again. Over a store that
   * answers with promises, what is held answers until the new list is in (the feed was behind already); if the
   * list cannot be read, the cache turns lazy, so that every lookup asks the store rather than trusting memory.
   */
  invalidateAll(): Follows<Inner, 'list', void> {
    return this.reloadAll() as Follows<Inner, 'list', void>;
  }

  private reloadAll(): Awaitable<void> {
    if (!this.complete) {
      this.cache.clear();
      this.reading.clear();
      return;
    }
    const users = this.inner.list();
    if (!(users instanceof Promise)) {
      this.load(users);
      return;
    }
    const changed = new Set<string>();
    this.relisting = changed;
    return users.then(
      (listed) => {
        // A later invalidateAll asked again: its list is the one to keep.
        if (this.relisting !== changed) return;
        this.relisting = undefined;
        this.load(listed);
        for (const name of changed) this.refresh(name);
      },
      (error: unknown) => {
        if (this.relisting === changed) {
          this.relisting = undefined;
          this.complete = false;
          this.cache.clear();
          this.reread.clear();
          this.reading.clear();
        }
        throw error;
      },
    );
  }

  getByName(name: string): Follows<Inner, 'getByName', User | undefined> {
    const entry = this.lookup(name);
    return (entry instanceof Promise ? entry.then(userOf) : entry?.user) as Follows<
      Inner,
      'getByName',
      User | undefined
    >;
  }

  /** The entry of a user; undefined for a name that is no user. */
  loginUser(name: string): Follows<Inner, 'getByName', LoginUser | undefined> {
    return this.lookup(name) as Follows<Inner, 'getByName', LoginUser | undefined>;
  }

  private lookup(name: string): Awaitable<LoginUser | undefined> {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    if (this.complete && !this.reread.has(name)) {
      if (this.catchUp === undefined || !this.catchUp()) return undefined;
      if (this.cache.has(name) || this.reread.has(name)) return this.lookup(name);
      return undefined;
    }
    const pending = this.reading.get(name);
    if (pending !== undefined) return pending;
    const user = this.inner.getByName(name);
    if (!(user instanceof Promise)) return this.keep(name, user);
    const read: Promise<LoginUser | undefined> = user.then(
      (found) => {
        const current = this.reading.get(name) === read;
        if (current) this.reading.delete(name);
        // Overtaken by a change: this read answers the lookups that waited for it, and is not kept.
        if (!current) return found === undefined ? undefined : this.entryOf(found);
        return this.keep(name, found);
      },
      (error: unknown) => {
        if (this.reading.get(name) === read) this.reading.delete(name);
        throw error;
      },
    );
    this.reading.set(name, read);
    return read;
  }

  private keep(name: string, user: User | undefined): LoginUser | undefined {
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
    return { user: frozen, preparedHash: undefined };
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

  list(): Follows<Inner, 'list', User[]> {
    return this.inner.list() as Follows<Inner, 'list', User[]>;
  }

  count(): Follows<Inner, 'count', number> {
    return this.inner.count() as Follows<Inner, 'count', number>;
  }

  add(user: NewUser): Follows<Inner, 'add', User> {
    return this.written([user.name], () => this.inner.add(user)) as Follows<Inner, 'add', User>;
  }

  setPasswordHash(name: string, passwordHash: string | null): Follows<Inner, 'setPasswordHash', boolean> {
    return this.written([name], () => this.inner.setPasswordHash(name, passwordHash)) as Follows<
      Inner,
      'setPasswordHash',
      boolean
    >;
  }

  setStatus(name: string, status: UserStatus): Follows<Inner, 'setStatus', boolean> {
    return this.written([name], () => this.inner.setStatus(name, status)) as Follows<
      Inner,
      'setStatus',
      boolean
    >;
  }

  setGroups(name: string, groups: readonly string[]): Follows<Inner, 'setGroups', boolean> {
    return this.written([name], () => this.inner.setGroups(name, groups)) as Follows<
      Inner,
      'setGroups',
      boolean
    >;
  }

  remove(name: string): Follows<Inner, 'remove', boolean> {
    return this.written([name], () => this.inner.remove(name)) as Follows<Inner, 'remove', boolean>;
  }

  upsertMany(users: readonly NewUser[]): Follows<Inner, 'upsertMany', { added: number; updated: number }> {
    return this.written(
      users.map((user) => user.name),
      () => this.inner.upsertMany(users),
    ) as Follows<Inner, 'upsertMany', { added: number; updated: number }>;
  }

  /**
   * Passes a write through, then forgets the users it names, also when it failed (it may have been stored). A
   * write that answers later forgets them again then: a lookup while it was under way may have read the old row.
   */
  private written<T>(names: readonly string[], write: () => Awaitable<T>): Awaitable<T> {
    let result: Awaitable<T>;
    try {
      result = write();
    } finally {
      for (const name of names) this.refresh(name);
    }
    if (!(result instanceof Promise)) return result;
    return result.finally(() => {
      for (const name of names) this.refresh(name);
    });
  }
}
