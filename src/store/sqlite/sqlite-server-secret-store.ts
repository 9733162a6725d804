// Owns the SQLite adapter of ServerSecretStore: one sealed row per named secret.
import type Database from 'better-sqlite3';
import type { ServerSecretStore } from '../../domain/server-secret.js';
import type { Sealer } from '../sealer.js';
import { toStoreError } from './sqlite-errors.js';

const aadOf = (name: string) => `server-secret:${name}`;

export class SqliteServerSecretStore implements ServerSecretStore {
  readonly #insert: Database.Statement<[string, string, string]>;
  readonly #select: Database.Statement<[string], { value_sealed: string }>;

  constructor(
    db: Database.Database,
    private readonly sealer: Sealer,
  ) {
    // INSERT OR IGNORE then SELECT: when two processes make a secret at once, the first row stands for both.
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO server_secrets (name, value_sealed, created_at) VALUES (?, ?, ?)',
    );
    this.#select = db.prepare('SELECT value_sealed FROM server_secrets WHERE name = ?');
  }

  getOrCreate(name: string, make: () => Uint8Array): Uint8Array {
    let row = this.#read(name);
    if (row === undefined) {
      const sealed = this.sealer.seal(make(), aadOf(name));
      try {
        this.#insert.run(name, sealed, new Date().toISOString());
      } catch (error) {
        throw toStoreError(error, `storing server secret ${name}`);
      }
      row = this.#read(name)!;
    }
    // A SealError (wrong key file) passes through as itself: the server is not ready (SECURITY A9.4).
    return this.sealer.open(row.value_sealed, aadOf(name));
  }

  #read(name: string): { value_sealed: string } | undefined {
    try {
      return this.#select.get(name);
    } catch (error) {
      throw toStoreError(error, `reading server secret ${name}`);
    }
  }
}
