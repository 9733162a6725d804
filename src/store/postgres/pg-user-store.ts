// Owns the PostgreSQL adapter of the UserStore port.
import type { Pool, PoolClient } from 'pg';
import { StoreError, StoreErrorCode, type UserStore } from '../../domain/ports.js';
import { type NewUser, type User, UserStatus } from '../../domain/user.js';
import { isUniqueViolation, toStoreError } from './pg-errors.js';
import { inTransaction } from './pg-transaction.js';

interface UserRow {
  /** BIGINT: node-postgres returns it as a string. */
  id: string;
  name: string;
  status: string;
  password_hash: string | null;
  groups: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, status, password_hash, groups, created_at, updated_at';

const INSERT =
  'INSERT INTO users (name, status, password_hash, groups, created_at, updated_at) ' +
  'VALUES ($1, $2, $3, $4, $5, $5)';

// Optional fields left out of an upsert keep their stored value (NULL → COALESCE keeps the column).
const UPDATE =
  'UPDATE users SET password_hash = $1, status = coalesce($2, status), groups = coalesce($3, groups), ' +
  'updated_at = $4 WHERE name = $5';

function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    name: row.name,
    // Fail closed: anything but 'active' (the CHECK allows nothing else) reads as disabled.
    status: row.status === UserStatus.Active ? UserStatus.Active : UserStatus.Disabled,
    passwordHash: row.password_hash,
    groups: JSON.parse(row.groups) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface PgStoreOptions {
  /** Clock for created/updated times; tests inject a fixed one. */
  readonly now?: () => Date;
}

/**
 * Users in PostgreSQL, the twin of SqliteUserStore: the same rows and answers, every method a promise. Names
 * match byte for byte (`COLLATE "C"`), as in SQLite.
 */
export class PgUserStore implements UserStore {
  readonly #pool: Pool;
  readonly #now: () => Date;

  constructor(pool: Pool, options: PgStoreOptions = {}) {
    this.#pool = pool;
    this.#now = options.now ?? (() => new Date());
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  async getByName(name: string): Promise<User | undefined> {
    try {
      const { rows } = await this.#pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE name = $1`, [
        name,
      ]);
      return rows[0] ? toUser(rows[0]) : undefined;
    } catch (error) {
      throw toStoreError(error, 'reading a user');
    }
  }

  async list(): Promise<User[]> {
    try {
      const { rows } = await this.#pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY id`);
      return rows.map(toUser);
    } catch (error) {
      throw toStoreError(error, 'listing users');
    }
  }

  async add(user: NewUser): Promise<User> {
    const at = this.#stamp();
    try {
      const { rows } = await this.#pool.query<UserRow>(`${INSERT} RETURNING ${COLUMNS}`, [
        user.name,
        user.status ?? UserStatus.Active,
        user.passwordHash,
        JSON.stringify(user.groups ?? []),
        at,
      ]);
      return toUser(rows[0]!);
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

  setPasswordHash(name: string, passwordHash: string | null): Promise<boolean> {
    return this.#change(
      'UPDATE users SET password_hash = $1, updated_at = $2 WHERE name = $3',
      [passwordHash, this.#stamp(), name],
      'setting a password',
    );
  }

  setStatus(name: string, status: UserStatus): Promise<boolean> {
    return this.#change(
      'UPDATE users SET status = $1, updated_at = $2 WHERE name = $3',
      [status, this.#stamp(), name],
      'setting a user status',
    );
  }

  setGroups(name: string, groups: readonly string[]): Promise<boolean> {
    return this.#change(
      'UPDATE users SET groups = $1, updated_at = $2 WHERE name = $3',
      [JSON.stringify(groups), this.#stamp(), name],
      'setting user groups',
    );
  }

  remove(name: string): Promise<boolean> {
    return this.#change('DELETE FROM users WHERE name = $1', [name], 'removing a user');
  }

  async count(): Promise<number> {
    try {
      const { rows } = await this.#pool.query<{ count: string }>('SELECT count(*) AS count FROM users');
      return Number(rows[0]!.count);
    } catch (error) {
      throw toStoreError(error, 'counting users');
    }
  }

  async upsertMany(users: readonly NewUser[]): Promise<{ added: number; updated: number }> {
    try {
      return await inTransaction(this.#pool, async (client) => {
        let added = 0;
        let updated = 0;
        for (const user of users) {
          if (await this.#upsert(client, user)) added++;
          else updated++;
        }
        return { added, updated };
      });
    } catch (error) {
      throw toStoreError(error, 'importing users');
    }
  }

  /** Updates the user, or inserts it when absent; true when inserted. */
  async #upsert(client: PoolClient, user: NewUser): Promise<boolean> {
    const at = this.#stamp();
    const groups = user.groups ? JSON.stringify(user.groups) : null;
    const update = [user.passwordHash, user.status ?? null, groups, at, user.name];
    if ((await client.query(UPDATE, update)).rowCount! > 0) return false;
    // Another node may insert the same name between our UPDATE and INSERT: DO NOTHING waits for its commit,
    // and the second UPDATE (a new snapshot under READ COMMITTED) then finds its row, where a plain INSERT
    // would fail the whole import on the unique index.
    const inserted = await client.query(`${INSERT} ON CONFLICT (name) DO NOTHING`, [
      user.name,
      user.status ?? UserStatus.Active,
      user.passwordHash,
      JSON.stringify(user.groups ?? []),
      at,
    ]);
    if (inserted.rowCount === 1) return true;
    await client.query(UPDATE, update);
    return false;
  }

  async #change(sql: string, values: unknown[], action: string): Promise<boolean> {
    try {
      return ((await this.#pool.query(sql, values)).rowCount ?? 0) > 0;
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}
