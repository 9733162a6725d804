// Owns the SQLite adapter of the UserStore port.
import type Database from 'better-sqlite3';
import { StoreError, StoreErrorCode, type UserStore } from '../../domain/ports.js';
import { type NewUser, type User, UserStatus } from '../../domain/user.js';
import { isUniqueViolation, toStoreError } from './sqlite-errors.js';

interface UserRow {
  id: number;
  name: string;
  status: string;
  password_hash: string | null;
  groups: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, status, password_hash, groups, created_at, updated_at';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    // Fail closed: anything but 'active' (the CHECK allows nothing else) reads as disabled.
    status: row.status === UserStatus.Active ? UserStatus.Active : UserStatus.Disabled,
    passwordHash: row.password_hash,
    groups: JSON.parse(row.groups) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface SqliteStoreOptions {
  /** Clock for created/updated times; tests inject a fixed one. */
  readonly now?: () => Date;
}

/**
 * Users in SQLite. Every statement is prepared once here: `getByName` runs on each RADIUS request and is a single
 * prepared `get` on the UNIQUE index.
 */
export class SqliteUserStore implements UserStore {
  readonly #now: () => Date;
  readonly #byName: Database.Statement<[string], UserRow>;
  /** Rows as arrays: better-sqlite3 builds an array three times faster than a keyed object (loading 300,000 users). */
  readonly #all: Database.Statement<[], unknown[]>;
  readonly #count: Database.Statement<[], number>;
  readonly #insert: Database.Statement<[string, string, string | null, string, string, string], UserRow>;
  readonly #setHash: Database.Statement<[string | null, string, string]>;
  readonly #setStatus: Database.Statement<[string, string, string]>;
  readonly #setGroups: Database.Statement<[string, string, string]>;
  readonly #update: Database.Statement<[string | null, string | null, string | null, string, string]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #upsertMany: (users: readonly NewUser[]) => { added: number; updated: number };

  constructor(db: Database.Database, options: SqliteStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#byName = db.prepare(`SELECT ${COLUMNS} FROM users WHERE name = ?`);
    this.#all = db.prepare<[], unknown[]>(`SELECT ${COLUMNS} FROM users ORDER BY id`).raw();
    this.#count = db.prepare<[], number>('SELECT count(*) FROM users').pluck();
    this.#insert = db.prepare(
      'INSERT INTO users (name, status, password_hash, groups, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
        `RETURNING ${COLUMNS}`,
    );
    this.#setHash = db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?');
    this.#setStatus = db.prepare('UPDATE users SET status = ?, updated_at = ? WHERE name = ?');
    this.#setGroups = db.prepare('UPDATE users SET groups = ?, updated_at = ? WHERE name = ?');
    // Optional fields left out of an upsert keep their stored value (NULL → COALESCE keeps the column).
    this.#update = db.prepare(
      'UPDATE users SET password_hash = ?, status = coalesce(?, status), groups = coalesce(?, groups), ' +
        'updated_at = ? WHERE name = ?',
    );
    this.#delete = db.prepare('DELETE FROM users WHERE name = ?');
    this.#upsertMany = db.transaction((users: readonly NewUser[]) => {
      let added = 0;
      let updated = 0;
      for (const user of users) {
        const at = this.#stamp();
        const groups = user.groups ? JSON.stringify(user.groups) : null;
        if (this.#update.run(user.passwordHash, user.status ?? null, groups, at, user.name).changes > 0)
          updated++;
        else {
          this.#insertRow(user, at);
          added++;
        }
      }
      return { added, updated };
    });
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  #insertRow(user: NewUser, at: string): User {
    const row = this.#insert.get(
      user.name,
      user.status ?? UserStatus.Active,
      user.passwordHash,
      JSON.stringify(user.groups ?? []),
      at,
      at,
    );
    return toUser(row!);
  }

  getByName(name: string): User | undefined {
    try {
      const row = this.#byName.get(name);
      return row ? toUser(row) : undefined;
    } catch (error) {
      throw toStoreError(error, 'reading a user');
    }
  }

  list(): User[] {
    try {
      const users: User[] = [];
      // Same order as COLUMNS.
      for (const r of this.#all.iterate())
        users.push(
          toUser({
            id: r[0] as number,
            name: r[1] as string,
            status: r[2] as string,
            password_hash: r[3] as string | null,
            groups: r[4] as string,
            created_at: r[5] as string,
            updated_at: r[6] as string,
          }),
        );
      return users;
    } catch (error) {
      throw toStoreError(error, 'listing users');
    }
  }

  add(user: NewUser): User {
    try {
      return this.#insertRow(user, this.#stamp());
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError(
          StoreErrorCode.AlreadyExists,
          `user ${JSON.stringify(user.name)} already exists`,
          {
            cause: error,
          },
        );
      }
      throw toStoreError(error, 'adding a user');
    }
  }

  setPasswordHash(name: string, passwordHash: string | null): boolean {
    return this.#change(
      () => this.#setHash.run(passwordHash, this.#stamp(), name).changes,
      'setting a password',
    );
  }

  setStatus(name: string, status: UserStatus): boolean {
    return this.#change(
      () => this.#setStatus.run(status, this.#stamp(), name).changes,
      'setting a user status',
    );
  }

  setGroups(name: string, groups: readonly string[]): boolean {
    const json = JSON.stringify(groups);
    return this.#change(() => this.#setGroups.run(json, this.#stamp(), name).changes, 'setting user groups');
  }

  remove(name: string): boolean {
    return this.#change(() => this.#delete.run(name).changes, 'removing a user');
  }

  count(): number {
    try {
      return this.#count.get()!;
    } catch (error) {
      throw toStoreError(error, 'counting users');
    }
  }

  upsertMany(users: readonly NewUser[]): { added: number; updated: number } {
    try {
      return this.#upsertMany(users);
    } catch (error) {
      throw toStoreError(error, 'importing users');
    }
  }

  #change(run: () => number, action: string): boolean {
    try {
      return run() > 0;
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}
