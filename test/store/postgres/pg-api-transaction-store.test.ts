// Runs the ApiTransactionStore conformance suite on PostgreSQL with two nodes (two pools, two notice connections)
// on one database, plus what only a lost LISTEN connection shows: held listeners read again once it is back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { ApiTransactionStore } from '../../../src/domain/api-transaction.js';
import { PgApiTransactionStore } from '../../../src/store/postgres/pg-api-transaction-store.js';
import { pendingPush, runApiTransactionStoreConformance } from '../api-transaction-store.conformance.js';
import { freshDatabase } from './pg-fixture.js';

const open: { store: ApiTransactionStore; pool: pg.Pool }[] = [];

/** A node's store on `url`: its own pool and its own notice connection (named, so a test can cut it). */
function node(url: string, name: string, errors: unknown[] = []): ApiTransactionStore {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  const store = new PgApiTransactionStore(pool, {
    connect: async () => {
      const client = new pg.Client({ connectionString: url, application_name: name });
      await client.connect();
      return client;
    },
    retryMs: 100,
    onError: (error) => errors.push(error),
  });
  open.push({ store, pool });
  return store;
}

test.after(async () => {
  for (const { store, pool } of open) {
    store.close();
    await pool.end().catch(() => {});
  }
});

runApiTransactionStoreConformance('postgres', async () => {
  const { url } = await freshDatabase();
  return { a: node(url, 'assent-test-a'), b: node(url, 'assent-test-b') };
});

test('postgres: after a lost notice connection, a held listener reads again and sees an end it was not told of', async () => {
  const { url, pool } = await freshDatabase();
  const errors: unknown[] = [];
  const a = node(url, 'assent-test-cut', errors);
  const b = node(url, 'assent-test-other');
  const id = 'c'.repeat(32);
  await a.add(pendingPush(id));
  let woken = 0;
  const seen = new Promise<string>((resolve) => {
    a.listen(id, () => {
      woken += 1;
      void (async () => {
        const now = await a.get(id);
        if (now !== undefined && now.status !== 'pending') resolve(now.status);
      })();
    });
  });
  for (let i = 0; i < 50 && woken === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(woken, 1, 'woken once when LISTEN took effect');
  const cut = await pool.query(
    "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'assent-test-cut'",
  );
  assert.equal(cut.rows.length, 1);
  // Ended while the node listens nowhere: the notice goes to no one.
  assert.equal(await b.end(id, 'approved', null, Date.now()), true);
  assert.equal(await seen, 'approved');
  assert.ok(errors.length >= 1, 'the lost connection was reported');
});
