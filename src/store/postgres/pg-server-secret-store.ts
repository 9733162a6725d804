// Owns the PostgreSQL adapter of ServerSecretStore: one sealed row per named secret.
import type pg from 'pg';
import type { ServerSecretStore } from '../../domain/server-secret.js';
import type { Sealer } from '../sealer.js';
import { toStoreError } from './pg-errors.js';

/** SQLite's binding too (sqlite-server-secret-store.ts): a row copied between the databases still opens. */
const aadOf = (name: string) => `server-secret:${name}`;

// ON CONFLICT DO NOTHING then SELECT: when two nodes make a secret at once, the first row stands for both (the
// second insert waits for the first to commit, then does nothing).
const INSERT =
  'INSERT INTO server_secrets (name, value_sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING';
const SELECT = 'SELECT value_sealed FROM server_secrets WHERE name = $1';

export class PgServerSecretStore implements ServerSecretStore {
  readonly #pool: pg.Pool;
  readonly #sealer: Sealer;

  constructor(pool: pg.Pool, sealer: Sealer) {
    this.#pool = pool;
    this.#sealer = sealer;
  }

  async getOrCreate(name: string, make: () => Uint8Array): Promise<Uint8Array> {
    let sealed = await this.#read(name);
    if (sealed === undefined) {
      const mine = this.#sealer.seal(make(), aadOf(name));
      try {
        await this.#pool.query(INSERT, [name, mine, new Date().toISOString()]);
      } catch (error) {
        throw toStoreError(error, `storing server secret ${name}`);
      }
      sealed = (await this.#read(name))!;
    }
    // A SealError (wrong key file) passes through as itself: the server is not ready (SECURITY A9.4).
    return this.#sealer.open(sealed, aadOf(name));
  }

  async #read(name: string): Promise<string | undefined> {
    try {
      const { rows } = await this.#pool.query<{ value_sealed: string }>(SELECT, [name]);
      return rows[0]?.value_sealed;
    } catch (error) {
      throw toStoreError(error, `reading server secret ${name}`);
    }
  }
}
