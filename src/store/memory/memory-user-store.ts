// Owns the in-memory adapter of the UserStore port, for unit tests of use cases.
import { StoreError, StoreErrorCode, type UserStore } from '../../domain/ports.js';
import { type NewUser, type User, UserStatus } from '../../domain/user.js';

export interface MemoryStoreOptions {
  /** Clock for created/updated times; tests inject a fixed one. */
  readonly now?: () => Date;
}

/** Users in a Map keyed by the exact (case-sensitive) name; behaves like the SQLite adapter, conformance-tested. */
export class MemoryUserStore implements UserStore {
  readonly #users = new Map<string, User>();
  readonly #now: () => Date;
  #nextId = 1;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  // Copies out, so callers cannot change what is stored through a returned object.
  #copy(user: User): User {
    return { ...user, groups: [...user.groups] };
  }

  #update(name: string, change: Partial<Pick<User, 'passwordHash' | 'status' | 'groups'>>): boolean {
    const user = this.#users.get(name);
    if (!user) return false;
    this.#users.set(name, { ...user, ...change, updatedAt: this.#now().toISOString() });
    return true;
  }

  getByName(name: string): User | undefined {
    const user = this.#users.get(name);
    return user ? this.#copy(user) : undefined;
  }

  list(): User[] {
    return [...this.#users.values()].sort((a, b) => a.id - b.id).map((user) => this.#copy(user));
  }

  add(user: NewUser): User {
    if (this.#users.has(user.name)) {
      throw new StoreError(StoreErrorCode.AlreadyExists, `user ${JSON.stringify(user.name)} already exists`);
    }
    const at = this.#now().toISOString();
    const stored: User = {
      id: this.#nextId++,
      name: user.name,
      status: user.status ?? UserStatus.Active,
      passwordHash: user.passwordHash,
      groups: [...(user.groups ?? [])],
      createdAt: at,
      updatedAt: at,
    };
    this.#users.set(user.name, stored);
    return this.#copy(stored);
  }

  setPasswordHash(name: string, passwordHash: string | null): boolean {
    return this.#update(name, { passwordHash });
  }

  setStatus(name: string, status: UserStatus): boolean {
    return this.#update(name, { status });
  }

  setGroups(name: string, groups: readonly string[]): boolean {
    return this.#update(name, { groups: [...groups] });
  }

  remove(name: string): boolean {
    return this.#users.delete(name);
  }

  count(): number {
    return this.#users.size;
  }

  upsertMany(users: readonly NewUser[]): { added: number; updated: number } {
    let added = 0;
    let updated = 0;
    for (const user of users) {
      if (this.#users.has(user.name)) {
        // Optional fields left out keep their stored value, as in the SQLite adapter.
        this.#update(user.name, {
          passwordHash: user.passwordHash,
          ...(user.status !== undefined && { status: user.status }),
          ...(user.groups !== undefined && { groups: [...user.groups] }),
        });
        updated++;
      } else {
        this.add(user);
        added++;
      }
    }
    return { added, updated };
  }
}
