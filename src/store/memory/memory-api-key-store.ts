// Owns the in-memory adapter of the ApiKeyStore port, for unit tests of use cases.
import type { ApiKey, ApiKeyStore, NewApiKey } from '../../domain/api-key.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';

export class MemoryApiKeyStore implements ApiKeyStore {
  /** By id; names are unique too, checked on add. */
  readonly #keys = new Map<string, ApiKey>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  get(id: string): ApiKey | undefined {
    return this.#keys.get(id);
  }

  getByName(name: string): ApiKey | undefined {
    for (const key of this.#keys.values()) if (key.name === name) return key;
    return undefined;
  }

  list(): ApiKey[] {
    // By name in code-unit order, as SQLite's BINARY collation sorts them.
    return [...this.#keys.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  add(key: NewApiKey): ApiKey {
    if (this.getByName(key.name) !== undefined) {
      throw new StoreError(StoreErrorCode.AlreadyExists, `API key name "${key.name}" is in use`);
    }
    if (this.#keys.has(key.id)) {
      throw new StoreError(StoreErrorCode.AlreadyExists, `API key id ${key.id} is in use`);
    }
    // Copies, so a caller changing its arrays afterwards changes nothing stored (as with the SQLite adapter).
    const stored: ApiKey = {
      ...key,
      scopes: [...key.scopes],
      keyHash: new Uint8Array(key.keyHash),
      createdAt: this.#now().toISOString(),
      lastUsedAt: null,
    };
    this.#keys.set(key.id, stored);
    return stored;
  }

  remove(name: string): boolean {
    const key = this.getByName(name);
    return key !== undefined && this.#keys.delete(key.id);
  }

  touch(id: string, at: Date): void {
    const key = this.#keys.get(id);
    if (key !== undefined) this.#keys.set(id, { ...key, lastUsedAt: at.toISOString() });
  }
}
