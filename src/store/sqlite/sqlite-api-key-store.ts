// Owns the SQLite adapter of the ApiKeyStore port; keys are held as SHA-256 only (migration 6 says why not sealed).
import type Database from 'better-sqlite3';
import type { ApiKey, ApiKeyStore, ApiScope, NewApiKey } from '../../domain/api-key.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import { isUniqueViolation, toStoreError } from './sqlite-errors.js';

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

export class SqliteApiKeyStore implements ApiKeyStore {
  readonly #now: () => Date;
  readonly #get: Database.Statement<[string], ApiKeyRow>;
  readonly #byName: Database.Statement<[string], ApiKeyRow>;
  readonly #all: Database.Statement<[], ApiKeyRow>;
  readonly #insert: Database.Statement<[string, string, string, Buffer, string, string | null], ApiKeyRow>;
  readonly #delete: Database.Statement<[string]>;
  readonly #touch: Database.Statement<[string, string]>;

  constructor(db: Database.Database, options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
    this.#byName = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE name = ?`);
    this.#all = db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY name`);
    this.#insert = db.prepare(
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at, expires_at) ' +
        `VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    );
    this.#delete = db.prepare('DELETE FROM api_keys WHERE name = ?');
    this.#touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  }

  #run<T>(work: () => T, action: string): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  get(id: string): ApiKey | undefined {
    const row = this.#run(() => this.#get.get(id), 'reading an API key');
    return row === undefined ? undefined : toApiKey(row);
  }

  getByName(name: string): ApiKey | undefined {
    const row = this.#run(() => this.#byName.get(name), 'reading an API key');
    return row === undefined ? undefined : toApiKey(row);
  }

  list(): ApiKey[] {
    return this.#run(() => this.#all.all(), 'listing API keys').map(toApiKey);
  }

  add(key: NewApiKey): ApiKey {
    try {
      const row = this.#insert.get(
        key.id,
        key.name,
        JSON.stringify(key.scopes),
        Buffer.from(key.keyHash),
        this.#now().toISOString(),
        key.expiresAt,
      )!;
      return toApiKey(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        // SQLite names the column ("UNIQUE constraint failed: api_keys.name"); say which one clashed.
        const what = /api_keys\.name/.test((error as Error).message) ? `name "${key.name}"` : `id ${key.id}`;
        throw new StoreError(StoreErrorCode.AlreadyExists, `API key ${what} is in use`, { cause: error });
      }
      throw toStoreError(error, 'adding an API key');
    }
  }

  remove(name: string): boolean {
    return this.#run(() => this.#delete.run(name).changes, 'removing an API key') > 0;
  }

  touch(id: string, at: Date): void {
    this.#run(() => this.#touch.run(at.toISOString(), id), 'recording an API key use');
  }
}
