// Owns the PostgreSQL adapter of the ApiKeyStore port; keys are held as SHA-256 only (migration 6 says why).
import type pg from 'pg';
import type { ApiKey, ApiKeyStore, ApiScope, NewApiKey } from '../../domain/api-key.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import { isUniqueViolation, queryOrFail, toStoreError } from './pg-errors.js';

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: string;
  key_hash: Buffer;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const COLUMNS = 'id, name, scopes, key_hash, created_at, expires_at, last_used_at';

const GET = `SELECT ${COLUMNS} FROM api_keys WHERE id = $1`;
const BY_NAME = `SELECT ${COLUMNS} FROM api_keys WHERE name = $1`;
const ALL = `SELECT ${COLUMNS} FROM api_keys ORDER BY name`;
const INSERT =
  'INSERT INTO api_keys (id, name, scopes, key_hash, created_at, expires_at) ' +
  `VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`;
const DELETE = 'DELETE FROM api_keys WHERE name = $1';
const TOUCH = 'UPDATE api_keys SET last_used_at = $1 WHERE id = $2';
/** PostgreSQL's name for migration 6's `name TEXT … UNIQUE`: how a clash says which column it was. */
const NAME_CONSTRAINT = 'api_keys_name_key';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    // Written only by `add` from a checked list; the table's CHECK keeps it a JSON array.
    scopes: JSON.parse(row.scopes) as ApiScope[],
    keyHash: new Uint8Array(row.key_hash),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

export class PgApiKeyStore implements ApiKeyStore {
  readonly #pool: pg.Pool;
  readonly #now: () => Date;

  constructor(pool: pg.Pool, options: { now?: () => Date } = {}) {
    this.#pool = pool;
    this.#now = options.now ?? (() => new Date());
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const { rows } = await this.#query<ApiKeyRow>(GET, [id], 'reading an API key');
    return rows[0] === undefined ? undefined : toApiKey(rows[0]);
  }

  async getByName(name: string): Promise<ApiKey | undefined> {
    const { rows } = await this.#query<ApiKeyRow>(BY_NAME, [name], 'reading an API key');
    return rows[0] === undefined ? undefined : toApiKey(rows[0]);
  }

  async list(): Promise<ApiKey[]> {
    const { rows } = await this.#query<ApiKeyRow>(ALL, [], 'listing API keys');
    return rows.map(toApiKey);
  }

  async add(key: NewApiKey): Promise<ApiKey> {
    try {
      const { rows } = await this.#pool.query<ApiKeyRow>(INSERT, [
        key.id,
        key.name,
        JSON.stringify(key.scopes),
        Buffer.from(key.keyHash),
        this.#now().toISOString(),
        key.expiresAt,
      ]);
      return toApiKey(rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error)) {
        const what = isUniqueViolation(error, NAME_CONSTRAINT) ? `name "${key.name}"` : `id ${key.id}`;
        throw new StoreError(StoreErrorCode.AlreadyExists, `API key ${what} is in use`, { cause: error });
      }
      throw toStoreError(error, 'adding an API key');
    }
  }

  async remove(name: string): Promise<boolean> {
    const { rowCount } = await this.#query(DELETE, [name], 'removing an API key');
    return (rowCount ?? 0) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.#query(TOUCH, [at.toISOString(), id], 'recording an API key use');
  }
}
