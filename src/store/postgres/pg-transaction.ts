// Owns running a unit of work in one PostgreSQL transaction on a pooled connection.
import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT on one connection of `pool`, and returns what it returns. When `work` or
 * the COMMIT fails, the transaction is rolled back and the error rethrown as it came (callers map it); the
 * connection goes back to the pool either way, and is dropped instead when even the ROLLBACK failed, so a
 * broken connection or one left inside a transaction is never handed out again.
 *
 * READ COMMITTED whatever the database's default: work that waits for an advisory lock must then see what the
 * holder committed, which under REPEATABLE READ (a snapshot from before the wait) it would not.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollback) {
      broken = rollback instanceof Error ? rollback : new Error(String(rollback));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
