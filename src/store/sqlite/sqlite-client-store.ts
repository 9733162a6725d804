// Owns the SQLite adapter of the ClientStore port; shared secrets are sealed at rest (docs/security.md A9.1).
import type Database from 'better-sqlite3';
import type { Client, NewClient } from '../../domain/client.js';
import { type ClientStore, StoreError, StoreErrorCode } from '../../domain/ports.js';
import { SealError, type Sealer } from '../sealer.js';
import { isUniqueViolation, toStoreError } from './sqlite-errors.js';
import type { SqliteStoreOptions } from './sqlite-user-store.js';

interface ClientRow {
  id: number;
  name: string;
  address: string;
  secret_sealed: string;
  require_message_authenticator: number;
  limit_proxy_state: number;
  nas_timeout: number;
  created_at: string;
}

const COLUMNS =
  'id, name, address, secret_sealed, require_message_authenticator, limit_proxy_state, nas_timeout, created_at';

/** docs/protocol.md §2: a NAS that does not say otherwise waits 60 s. */
export const DEFAULT_NAS_TIMEOUT_SECONDS = 60;

/** The associated data that binds a sealed secret to its client: a value copied to another row does not open. */
export function clientSecretAad(name: string): string {
  return `client:${name}:secret`;
}

/** RADIUS clients in SQLite; secrets are sealed on the way in and opened on the way out. */
export class SqliteClientStore implements ClientStore {
  readonly #sealer: Sealer;
  readonly #now: () => Date;
  readonly #all: Database.Statement<[], ClientRow>;
  readonly #byName: Database.Statement<[string], ClientRow>;
  readonly #insert: Database.Statement<[string, string, string, number, number, number, string], ClientRow>;
  readonly #deleteByName: Database.Statement<[string]>;
  readonly #deleteByAddress: Database.Statement<[string]>;
  readonly #setSecret: Database.Statement<[string, string]>;

  constructor(db: Database.Database, sealer: Sealer, options: SqliteStoreOptions = {}) {
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
    this.#all = db.prepare(`SELECT ${COLUMNS} FROM clients ORDER BY id`);
    this.#byName = db.prepare(`SELECT ${COLUMNS} FROM clients WHERE name = ?`);
    this.#insert = db.prepare(
      'INSERT INTO clients (name, address, secret_sealed, require_message_authenticator, limit_proxy_state, ' +
        `nas_timeout, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    );
    this.#deleteByName = db.prepare('DELETE FROM clients WHERE name = ?');
    this.#deleteByAddress = db.prepare('DELETE FROM clients WHERE address = ?');
    this.#setSecret = db.prepare('UPDATE clients SET secret_sealed = ? WHERE name = ?');
  }

  #toClient(row: ClientRow): Client {
    let secret: Uint8Array;
    try {
      secret = this.#sealer.open(row.secret_sealed, clientSecretAad(row.name));
    } catch (error) {
      // docs/security.md A9.4: a key that does not open the secrets is broken infrastructure; callers fail closed.
      const why = error instanceof SealError ? error.code : 'unknown error';
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `secret of client ${JSON.stringify(row.name)} does not open (${why}): wrong key file or altered row`,
        { cause: error },
      );
    }
    return {
      id: row.id,
      name: row.name,
      address: row.address,
      secret,
      requireMessageAuthenticator: row.require_message_authenticator === 1,
      limitProxyState: row.limit_proxy_state === 1,
      nasTimeout: row.nas_timeout,
      createdAt: row.created_at,
    };
  }

  list(): Client[] {
    let rows: ClientRow[];
    try {
      rows = this.#all.all();
    } catch (error) {
      throw toStoreError(error, 'listing clients');
    }
    return rows.map((row) => this.#toClient(row));
  }

  getByName(name: string): Client | undefined {
    let row: ClientRow | undefined;
    try {
      row = this.#byName.get(name);
    } catch (error) {
      throw toStoreError(error, 'reading a client');
    }
    return row ? this.#toClient(row) : undefined;
  }

  add(client: NewClient): Client {
    const sealed = this.#sealer.seal(client.secret, clientSecretAad(client.name));
    try {
      const row = this.#insert.get(
        client.name,
        client.address,
        sealed,
        client.requireMessageAuthenticator === false ? 0 : 1,
        client.limitProxyState === false ? 0 : 1,
        client.nasTimeout ?? DEFAULT_NAS_TIMEOUT_SECONDS,
        this.#now().toISOString(),
      );
      return this.#toClient(row!);
    } catch (error) {
      if (isUniqueViolation(error)) {
        const column = /clients\.address/.test(String(error)) ? 'address' : 'name';
        const value = column === 'address' ? client.address : client.name;
        throw new StoreError(
          StoreErrorCode.AlreadyExists,
          `a client with ${column} ${JSON.stringify(value)} already exists`,
          { cause: error },
        );
      }
      throw toStoreError(error, 'adding a client');
    }
  }

  replaceSecret(name: string, secret: Uint8Array): boolean {
    // Sealed under the same associated data as at add: the row's name binds it (docs/security.md A9.1).
    const sealed = this.#sealer.seal(secret, clientSecretAad(name));
    try {
      return this.#setSecret.run(sealed, name).changes > 0;
    } catch (error) {
      throw toStoreError(error, 'replacing a client secret');
    }
  }

  remove(nameOrAddress: string): boolean {
    try {
      // Name first: a client may be named like another client's address, and the name is the sharper match.
      if (this.#deleteByName.run(nameOrAddress).changes > 0) return true;
      return this.#deleteByAddress.run(nameOrAddress).changes > 0;
    } catch (error) {
      throw toStoreError(error, 'removing a client');
    }
  }
}
