// Owns the in-memory adapter of ServerSecretStore, for tests and the use-case fixtures.
import type { ServerSecretStore } from '../../domain/server-secret.js';

export class MemoryServerSecretStore implements ServerSecretStore {
  readonly #secrets = new Map<string, Uint8Array>();

  getOrCreate(name: string, make: () => Uint8Array): Uint8Array {
    let secret = this.#secrets.get(name);
    if (secret === undefined) {
      secret = Uint8Array.from(make());
      this.#secrets.set(name, secret);
    }
    return Uint8Array.from(secret);
  }
}
