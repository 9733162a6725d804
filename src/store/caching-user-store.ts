// Owns an in-memory read cache in front of a UserStore, so the RADIUS hot path does not query SQLite per login.
import type { LoginUser, LoginUserSource, UserStore } from '../domain/ports.js';
import type { NewUser, User, UserStatus } from '../domain/user.js';

/**
 * Caches `getByName` hits. Writes made through this object update the cache at once; writes made by another
 * process (the `assent` CLI) are seen after `invalidateAll()`, which the server calls when SQLite's
 * `data_version` changes (checked every `radius.userCacheCheckMs`). Unknown names are not cached, so a flood of
 * made-up names cannot fill memory; the cache is emptied when it reaches `maxEntries`.
 */
export class CachingUserStore implements UserStore, LoginUserSource {
  /** One entry per cached user; the login path keeps what it derives from the user in the entry's slots. */
  private readonly cache = new Map<string, LoginUser>();

  constructor(
    private readonly inner: UserStore,
    private readonly maxEntries = 500_000,
  ) {}

  get size(): number {
    return this.cache.size;
  }

  /** Forgets everything (another process changed the store). */
  invalidateAll(): void {
    this.cache.clear();
  }

  getByName(name: string): User | undefined {
    return this.loginUser(name)?.user;
  }

  /** The cached entry of a user, read from the inner store on a miss; undefined for an unknown name. */
  loginUser(name: string): LoginUser | undefined {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    const user = this.inner.getByName(name);
    if (user === undefined) return undefined;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    // One object serves every later lookup: freeze it so no caller can change what others see.
    Object.freeze(user.groups);
    // Slots are declared up front so every entry has the same shape (one hidden class on the hot path).
    const entry: LoginUser = { user: Object.freeze(user), preparedHash: undefined, passed: undefined };
    this.cache.set(name, entry);
    return entry;
  }

  list(): User[] {
    return this.inner.list();
  }

  count(): number {
    return this.inner.count();
  }

  add(user: NewUser): User {
    this.cache.delete(user.name);
    return this.inner.add(user);
  }

  setPasswordHash(name: string, passwordHash: string | null): boolean {
    this.cache.delete(name);
    return this.inner.setPasswordHash(name, passwordHash);
  }

  setStatus(name: string, status: UserStatus): boolean {
    this.cache.delete(name);
    return this.inner.setStatus(name, status);
  }

  setGroups(name: string, groups: readonly string[]): boolean {
    this.cache.delete(name);
    return this.inner.setGroups(name, groups);
  }

  remove(name: string): boolean {
    this.cache.delete(name);
    return this.inner.remove(name);
  }

  upsertMany(users: readonly NewUser[]): { added: number; updated: number } {
    for (const user of users) this.cache.delete(user.name);
    return this.inner.upsertMany(users);
  }
}
