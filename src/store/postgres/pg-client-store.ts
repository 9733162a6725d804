// Owns the PostgreSQL adapter of the ClientStore port; shared secrets are sealed at rest (docs/security.md A9.1).
import type { Pool } from 'pg';
import type { Client, NewClient } from '../../domain/client.js';
import { type ClientStore, StoreError, StoreErrorCode } from '../../domain/ports.js';
import { SealError, type Sealer } from '../sealer.js';
import { clientSecretAad, DEFAULT_NAS_TIMEOUT_SECONDS } from '../sqlite/sqlite-client-store.js';
import { isUniqueViolation, toStoreError } from './pg-errors.js';
import type { PgStoreOptions } from './pg-user-store.js';

interface ClientRow {
  /** BIGINT: node-postgres returns it as a string. */
  id: string;
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

/**
 * RADIUS clients in PostgreSQL, the twin of SqliteClientStore: secrets are sealed under the same associated
 * data (`clientSecretAad`), so a row copied between the two databases opens on either.
 */
export class PgClientStore implements ClientStore {
  readonly #pool: Pool;
  readonly #sealer: Sealer;
  readonly #now: () => Date;

  constructor(pool: Pool, sealer: Sealer, options: PgStoreOptions = {}) {
    this.#pool = pool;
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
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
      id: Number(row.id),
      name: row.name,
      address: row.address,
      secret,
      requireMessageAuthenticator: row.require_message_authenticator === 1,
      limitProxyState: row.limit_proxy_state === 1,
      nasTimeout: row.nas_timeout,
      createdAt: row.created_at,
    };
  }

  async list(): Promise<Client[]> {
    let rows: ClientRow[];
    try {
      rows = (await this.#pool.query<ClientRow>(`SELECT ${COLUMNS} FROM clients ORDER BY id`)).rows;
    } catch (error) {
      throw toStoreError(error, 'listing clients');
    }
    return rows.map((row) => this.#toClient(row));
  }

  async getByName(name: string): Promise<Client | undefined> {
    let row: ClientRow | undefined;
    try {
      row = (await this.#pool.query<ClientRow>(`SELECT ${COLUMNS} FROM clients WHERE name = $1`, [name]))
        .rows[0];
    } catch (error) {
      throw toStoreError(error, 'reading a client');
    }
    return row ? this.#toClient(row) : undefined;
  }

  async add(client: NewClient): Promise<Client> {
    const sealed = this.#sealer.seal(client.secret, clientSecretAad(client.name));
    let row: ClientRow;
    try {
      const { rows } = await this.#pool.query<ClientRow>(
        'INSERT INTO clients (name, address, secret_sealed, require_message_authenticator, limit_proxy_state, ' +
          `nas_timeout, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [
          client.name,
          client.address,
          sealed,
          client.requireMessageAuthenticator === false ? 0 : 1,
          client.limitProxyState === false ? 0 : 1,
          client.nasTimeout ?? DEFAULT_NAS_TIMEOUT_SECONDS,
          this.#now().toISOString(),
        ],
      );
      row = rows[0]!;
    } catch (error) {
      if (isUniqueViolation(error)) {
        // PostgreSQL's default name of the UNIQUE constraint on `address` (migration 1).
        const column = isUniqueViolation(error, 'clients_address_key') ? 'address' : 'name';
        const value = column === 'address' ? client.address : client.name;
        throw new StoreError(
          StoreErrorCode.AlreadyExists,
          `a client with ${column} ${JSON.stringify(value)} already exists`,
          { cause: error },
        );
      }
      throw toStoreError(error, 'adding a client');
    }
    return this.#toClient(row);
  }

  async replaceSecret(name: string, secret: Uint8Array): Promise<boolean> {
    // Sealed under the same associated data as at add: the row's name binds it (docs/security.md A9.1).
    const sealed = this.#sealer.seal(secret, clientSecretAad(name));
    try {
      const result = await this.#pool.query('UPDATE clients SET secret_sealed = $1 WHERE name = $2', [
        sealed,
        name,
      ]);
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      throw toStoreError(error, 'replacing a client secret');
    }
  }

  async remove(nameOrAddress: string): Promise<boolean> {
    try {
      // Name first: a client may be named like another client's address, and the name is the sharper match.
      // One statement (one round trip); the address match runs only when the name matched nothing.
      const { rows } = await this.#pool.query<{ removed: number }>(
        'WITH by_name AS (DELETE FROM clients WHERE name = $1 RETURNING 1), ' +
          'by_address AS (DELETE FROM clients WHERE address = $1 AND NOT EXISTS (SELECT 1 FROM by_name) ' +
          'RETURNING 1) SELECT ((SELECT count(*) FROM by_name) + (SELECT count(*) FROM by_address))::int AS removed',
        [nameOrAddress],
      );
      return rows[0]!.removed > 0;
    } catch (error) {
      throw toStoreError(error, 'removing a client');
    }
  }
}
