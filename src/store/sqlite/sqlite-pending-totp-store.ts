// Owns the SQLite adapter of the PendingTotpStore port: authenticator-app secrets that outlive a restart (A12.6).
import type Database from 'better-sqlite3';
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
import { toStoreError } from './sqlite-errors.js';

/**
 * One row per shown secret in `pending_totps` (migration 18), the secret sealed (A9.1). Written when the portal
 * shows a QR code and taken when its first code verifies: a human's pace, so each step is its own statement.
 */
export class SqlitePendingTotpStore implements PendingTotpStore {
  readonly #sealer: Sealer;
  readonly #add: (values: ReturnType<typeof valuesOfPending>, bounds: PendingTotpBounds) => void;
  readonly #find: Database.Statement<[string, number], PendingTotpRow>;
  readonly #take: Database.Statement<[string, number]>;
  readonly #sweep: Database.Statement<[number]>;

  constructor(db: Database.Database, sealer: Sealer) {
    this.#sealer = sealer;
    const insert = db.prepare(
      `INSERT INTO pending_totps (${PENDING_TOTP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const trimUser = db.prepare<[string, number]>(
      'DELETE FROM pending_totps WHERE key IN (SELECT key FROM pending_totps WHERE user_name = ? ' +
        'ORDER BY expires_at DESC, key DESC LIMIT -1 OFFSET ?)',
    );
    const trimAll = db.prepare<[number]>(
      'DELETE FROM pending_totps WHERE key IN (SELECT key FROM pending_totps ' +
        'ORDER BY expires_at, key LIMIT max(0, (SELECT count(*) FROM pending_totps) - ? + 1))',
    );
    // The bounds and the insert as one step: two nodes' starts cannot both pass them.
    const add = db.transaction((values: ReturnType<typeof valuesOfPending>, bounds: PendingTotpBounds) => {
      trimUser.run(values[1], Math.max(0, bounds.perUser - 1));
      trimAll.run(bounds.max);
      insert.run(...values);
    });
    this.#add = (values, bounds) => add.immediate(values, bounds);
    this.#find = db.prepare<[string, number], PendingTotpRow>(
      `SELECT ${PENDING_TOTP_COLUMNS} FROM pending_totps WHERE key = ? AND expires_at > ?`,
    );
    // A12.6: the conditional delete is the single use; a second taker (this node or another) changes no row.
    this.#take = db.prepare('DELETE FROM pending_totps WHERE key = ? AND expires_at > ?');
    this.#sweep = db.prepare('DELETE FROM pending_totps WHERE expires_at <= ?');
  }

  add(pending: StoredPendingTotp, bounds: PendingTotpBounds): void {
    const values = valuesOfPending(pending, this.#sealer);
    try {
      this.#add(values, bounds);
    } catch (error) {
      throw toStoreError(error, 'keeping an authenticator-app secret');
    }
  }

  find(key: string, now: number): StoredPendingTotp | undefined {
    let row: PendingTotpRow | undefined;
    try {
      row = this.#find.get(key, now);
    } catch (error) {
      throw toStoreError(error, 'reading an authenticator-app secret');
    }
    return row === undefined ? undefined : pendingOfRow(row, this.#sealer);
  }

  take(key: string, now: number): boolean {
    try {
      return this.#take.run(key, now).changes === 1;
    } catch (error) {
      throw toStoreError(error, 'taking an authenticator-app secret');
    }
  }

  sweep(now: number): number {
    try {
      return this.#sweep.run(now).changes;
    } catch (error) {
      throw toStoreError(error, 'sweeping authenticator-app secrets');
    }
  }
}
