// Owns the PostgreSQL adapter of the OwnWayStore port: a user's removal under the last-way rule, one transaction.
import type pg from 'pg';
import { namesPushDevice, type OwnRemoval, type OwnWayStore, removalVerdict } from '../../domain/own-ways.js';
import type { TokenType } from '../../domain/token.js';
import { queryOrFail, toStoreError } from './pg-errors.js';
import { ownWayLock } from './pg-locks.js';
import { inTransaction } from './pg-transaction.js';

const LOCK = 'SELECT pg_advisory_xact_lock($1, $2)';
/** Everything the rule counts, in one round trip: a user holds a handful of rows. */
const HELD =
  'SELECT serial AS id, type FROM tokens WHERE user_name = $1 ' +
  "UNION ALL SELECT id, 'push' AS type FROM push_devices WHERE user_name = $1";
// Backup codes go with their token (ON DELETE CASCADE); the change-feed triggers log either delete.
const DELETE_TOKEN = 'DELETE FROM tokens WHERE serial = $1 AND user_name = $2';
const DELETE_DEVICE = 'DELETE FROM push_devices WHERE id = $1 AND user_name = $2';

/**
 * SECURITY A12.7 across nodes. `Stores.transaction` is no database transaction on PostgreSQL, and a read then a
 * delete from the use case would let two removals (two tabs, two nodes) each count two ways and remove both. So
 * one transaction on one pooled connection takes the user's advisory lock (ownWayLock), reads what the user
 * holds, and deletes: a second removal for the user waits at the lock, then (READ COMMITTED: each statement sees
 * what committed before it) counts what the first left. The lock is released by COMMIT or ROLLBACK, also
 * when the connection dies. Only that one connection is held, never a second one from the pool meanwhile, so
 * removals waiting at the lock cannot starve the holder of a connection.
 */
export class PgOwnWayStore implements OwnWayStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async removeOwn(userName: string, id: string, allowLast: boolean): Promise<OwnRemoval> {
    const action = 'removing a device or token';
    try {
      return await inTransaction(this.#pool, async (client) => {
        await queryOrFail(client, LOCK, [...ownWayLock(userName)], action);
        const { rows } = await queryOrFail<{ id: string; type: 'push' | TokenType }>(
          client,
          HELD,
          [userName],
          action,
        );
        const verdict = removalVerdict(rows, id, allowLast);
        if (verdict !== 'remove') return verdict;
        const removed = await queryOrFail(
          client,
          namesPushDevice(id) ? DELETE_DEVICE : DELETE_TOKEN,
          [id, userName],
          action,
        );
        return (removed.rowCount ?? 0) > 0 ? 'removed' : 'not_found';
      });
    } catch (error) {
      throw toStoreError(error, action);
    }
  }
}
