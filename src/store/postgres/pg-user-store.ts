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

/**
 * Users per slice of `upsertMany`: each slice is one UPDATE and at most two more statements, its columns passed as
 * four arrays (no bind-parameter limit applies), and well within `storage.timeoutMs` per statement.
 */
const IMPORT_SLICE = 2000;

/** The import's users as columns: $1 names, $2 hashes, $3 statuses, $4 groups (JSON); NULL where not given. */
function columnsOf(
  users: readonly NewUser[],
): [string[], (string | null)[], (string | null)[], (string | null)[]] {
  return [
    users.map((user) => user.name),
    users.map((user) => user.passwordHash),
    users.map((user) => user.status ?? null),
    users.map((user) => (user.groups ? JSON.stringify(user.groups) : null)),
  ];
}

const IMPORTED = 'unnest($1::text[], $2::text[], $3::text[], $4::text[])';

// Optional fields left out of an upsert keep their stored value (NULL → COALESCE keeps the column). The names of
// one statement are distinct (see upsertMany), so each row is updated at most once.
const UPDATE_MANY =
  'UPDATE users AS u SET password_hash = m.password_hash, status = coalesce(m.status, u.status), ' +
  `groups = coalesce(m.groups, u.groups), updated_at = $5 FROM ${IMPORTED} AS m (name, password_hash, status, ` +
  'groups) WHERE u.name = m.name RETURNING u.name';

// New users get the defaults of `add` (active, no groups); ids follow the order of the import.
const INSERT_MANY =
  'INSERT INTO users (name, status, password_hash, groups, created_at, updated_at) ' +
  `SELECT m.name, coalesce(m.status, '${UserStatus.Active}'), m.password_hash, coalesce(m.groups, '[]'), $5, $5 ` +
  `FROM ${IMPORTED} WITH ORDINALITY AS m (name, password_hash, status, groups, n) ORDER BY m.n ` +
  'ON CONFLICT (name) DO NOTHING RETURNING name';

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

  /**
   * Updates each named user, or inserts it when absent, one user after the other in meaning: fields an import
   * leaves out (status, groups) keep their stored value, the hash is always replaced, a new user is active with
   * no groups unless given. All or nothing, in one transaction. The import goes in slices of at most
   * {@link IMPORT_SLICE} users, each a few statements (UPDATE of those present, INSERT of the rest); a name
   * already in the slice being built starts the next one, so a name given twice is inserted by its first line
   * and updated by its second, exactly as when each user was a statement of its own. One `updated_at` per
   * slice.
   */
  async upsertMany(users: readonly NewUser[]): Promise<{ added: number; updated: number }> {
    try {
      return await inTransaction(this.#pool, async (client) => {
        let added = 0;
        let slice: NewUser[] = [];
        let names = new Set<string>();
        for (const user of users) {
          if (names.has(user.name) || slice.length >= IMPORT_SLICE) {
            added += await this.#upsertSlice(client, slice);
            slice = [];
            names = new Set();
          }
          slice.push(user);
          names.add(user.name);
        }
        if (slice.length > 0) added += await this.#upsertSlice(client, slice);
        return { added, updated: users.length - added };
      });
    } catch (error) {
      throw toStoreError(error, 'importing users');
    }
  }

  /** Updates the users of `slice` (distinct names) that exist, inserts the others; returns how many inserted. */
  async #upsertSlice(client: PoolClient, slice: readonly NewUser[]): Promise<number> {
    const at = this.#stamp();
    const updated = await this.#updateMany(client, slice, at);
    const absent = slice.filter((user) => !updated.has(user.name));
    if (absent.length === 0) return 0;
    const { rows } = await client.query<{ name: string }>(INSERT_MANY, [...columnsOf(absent), at]);
    if (rows.length === absent.length) return rows.length;
    // Another node inserted some of these names between our UPDATE and INSERT: DO NOTHING waited for its
    // commit, and a second UPDATE (a new snapshot under READ COMMITTED) now finds its rows, where a plain INSERT
    // would fail the whole import on the unique index.
    const inserted = new Set(rows.map((row) => row.name));
    await this.#updateMany(
      client,
      absent.filter((user) => !inserted.has(user.name)),
      at,
    );
    return rows.length;
  }

  /** UPDATE of the users of `slice` that exist, in one statement; returns their names. */
  async #updateMany(client: PoolClient, slice: readonly NewUser[], at: string): Promise<Set<string>> {
    const { rows } = await client.query<{ name: string }>(UPDATE_MANY, [...columnsOf(slice), at]);
    return new Set(rows.map((row) => row.name));
  }

  async #change(sql: string, values: unknown[], action: string): Promise<boolean> {
    try {
      return ((await this.#pool.query(sql, values)).rowCount ?? 0) > 0;
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}
