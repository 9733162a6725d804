// Owns the PostgreSQL adapter of the PendingTotpStore port: authenticator-app secrets every node shares (A12.6).
import type pg from 'pg';
import type {
  PendingTotpBounds,
  PendingTotpStore,
  StoredPendingTotp,
} from '../../domain/pending-totp-store.js';
import {
  PENDING_TOTP_COLUMNS,
  type PendingTotpRow,
  pendingOfRow,
  valuesOfPending,
} from '../pending-totp-rows.js';
import type { Sealer } from '../sealer.js';
import { type NamedStatement, queryOrFail, toStoreError } from './pg-errors.js';
import { inTransaction } from './pg-transaction.js';

const TRIM_USER: NamedStatement = {
  name: 'pending-totp-trim-user',
  text:
    'DELETE FROM pending_totps WHERE key IN (SELECT key FROM pending_totps WHERE user_name = $1 ' +
    'ORDER BY expires_at DESC, key DESC OFFSET $2)',
};
// Two nodes adding at the same instant may each leave one over the bound until the next start; the bound is
// against unbounded growth, not a quota.
const TRIM_ALL: NamedStatement = {
  name: 'pending-totp-trim-all',
  text:
    'DELETE FROM pending_totps WHERE key IN (SELECT key FROM pending_totps ORDER BY expires_at, key ' +
    'LIMIT GREATEST(0, (SELECT count(*) FROM pending_totps) - $1 + 1))',
};
const INSERT: NamedStatement = {
  name: 'pending-totp-insert',
  text: `INSERT INTO pending_totps (${PENDING_TOTP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
};
const FIND: NamedStatement = {
  name: 'pending-totp-find',
  text: `SELECT ${PENDING_TOTP_COLUMNS} FROM pending_totps WHERE key = $1 AND expires_at > $2`,
};
// A12.6: the conditional delete is the single use; of two nodes deleting at once, the second finds no row.
const TAKE: NamedStatement = {
  name: 'pending-totp-take',
  text: 'DELETE FROM pending_totps WHERE key = $1 AND expires_at > $2',
};
const SWEEP: NamedStatement = {
  name: 'pending-totp-sweep',
  text: 'DELETE FROM pending_totps WHERE expires_at <= $1',
};

/**
 * Pendings in `pending_totps` (migration 18), shared by every node: the QR code shown by one node is confirmed by
 * whichever node the app's first code reaches. The secret is sealed before it leaves the process (A9.1).
 */
export class PgPendingTotpStore implements PendingTotpStore {
  readonly #pool: pg.Pool;
  readonly #sealer: Sealer;

  constructor(pool: pg.Pool, sealer: Sealer) {
    this.#pool = pool;
    this.#sealer = sealer;
  }

  async add(pending: StoredPendingTotp, bounds: PendingTotpBounds): Promise<void> {
    const values = valuesOfPending(pending, this.#sealer);
    const action = 'keeping an authenticator-app secret';
    try {
      // The bounds and the insert as one unit: a failure half-way drops nothing.
      await inTransaction(this.#pool, async (client) => {
        await queryOrFail(client, TRIM_USER, [pending.user, Math.max(0, bounds.perUser - 1)], action);
        await queryOrFail(client, TRIM_ALL, [bounds.max], action);
        await queryOrFail(client, INSERT, values, action);
      });
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  async find(key: string, now: number): Promise<StoredPendingTotp | undefined> {
    const { rows } = await queryOrFail<PendingTotpRow>(
      this.#pool,
      FIND,
      [key, now],
      'reading an authenticator-app secret',
    );
    return rows[0] === undefined ? undefined : pendingOfRow(rows[0], this.#sealer);
  }

  async take(key: string, now: number): Promise<boolean> {
    const result = await queryOrFail(this.#pool, TAKE, [key, now], 'taking an authenticator-app secret');
    return result.rowCount === 1;
  }

  async sweep(now: number): Promise<number> {
    const result = await queryOrFail(this.#pool, SWEEP, [now], 'sweeping authenticator-app secrets');
    return result.rowCount ?? 0;
  }
}
