// Owns the in-memory adapter of the ClientStore port, for unit tests of use cases.
import type { Client, NewClient } from '../../domain/client.js';
import { type ClientStore, StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { MemoryStoreOptions } from './memory-user-store.js';

/** docs/protocol.md §2: a NAS that does not say otherwise waits 60 s. */
const DEFAULT_NAS_TIMEOUT_SECONDS = 60;

/** RADIUS clients in a Map keyed by name; secrets are copied in and out so callers cannot alter them. */
export class MemoryClientStore implements ClientStore {
  readonly #clients = new Map<string, Client>();
  readonly #now: () => Date;
  #nextId = 1;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  #copy(client: Client): Client {
    return { ...client, secret: new Uint8Array(client.secret) };
  }

  list(): Client[] {
    return [...this.#clients.values()].sort((a, b) => a.id - b.id).map((client) => this.#copy(client));
  }

  getByName(name: string): Client | undefined {
    const client = this.#clients.get(name);
    return client ? this.#copy(client) : undefined;
  }

  add(client: NewClient): Client {
    if (this.#clients.has(client.name)) {
      throw new StoreError(
        StoreErrorCode.AlreadyExists,
        `a client with name ${JSON.stringify(client.name)} already exists`,
      );
    }
    for (const existing of this.#clients.values()) {
      if (existing.address === client.address) {
        throw new StoreError(
          StoreErrorCode.AlreadyExists,
          `a client with address ${JSON.stringify(client.address)} already exists`,
        );
      }
    }
    const stored: Client = {
      id: this.#nextId++,
      name: client.name,
      address: client.address,
      secret: new Uint8Array(client.secret),
      requireMessageAuthenticator: client.requireMessageAuthenticator ?? true,
      limitProxyState: client.limitProxyState ?? true,
      nasTimeout: client.nasTimeout ?? DEFAULT_NAS_TIMEOUT_SECONDS,
      createdAt: this.#now().toISOString(),
    };
    this.#clients.set(client.name, stored);
    return this.#copy(stored);
  }

  replaceSecret(name: string, secret: Uint8Array): boolean {
    const client = this.#clients.get(name);
    if (client === undefined) return false;
    this.#clients.set(name, { ...client, secret: new Uint8Array(secret) });
    return true;
  }

  remove(nameOrAddress: string): boolean {
    // Name first, as in the SQLite adapter.
    if (this.#clients.delete(nameOrAddress)) return true;
    for (const client of this.#clients.values()) {
      if (client.address === nameOrAddress) return this.#clients.delete(client.name);
    }
    return false;
  }
}
