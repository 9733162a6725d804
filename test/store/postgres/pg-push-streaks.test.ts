// The number-matching streaks on PostgreSQL (SECURITY A7.7): the conformance suite with each case's second node a
// pool of its own on the same database, and the reads of one turn gathered into one statement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { PgPushStreaks } from '../../../src/store/postgres/pg-push-streaks.js';
import { runPushStreaksConformance } from '../push-streaks.conformance.js';
import { countingPool, freshPool, otherPool } from './pg-fixture.js';

runPushStreaksConformance('postgres', async () => {
  const pool = await freshPool();
  const other = otherPool(pool);
  return { streaks: new PgPushStreaks(pool), second: new PgPushStreaks(other) };
});

test('the reads of one turn are one statement', async () => {
  const { pool, statements } = countingPool(await freshPool());
  const streaks = new PgPushStreaks(pool);
  await streaks.missed('alice');
  statements.length = 0;
  assert.deepEqual(await Promise.all(['alice', 'bob', 'alice'].map((u) => streaks.misses(u))), [1, 0, 1]);
  assert.deepEqual(statements, ['push-streaks-many']);
});

test('a database that does not answer is a STORE_UNAVAILABLE naming the action', async () => {
  const pool = new pg.Pool({
    connectionString: 'postgres://postgres@127.0.0.1:1/none',
    connectionTimeoutMillis: 500,
  });
  pool.on('error', () => {});
  try {
    const streaks = new PgPushStreaks(pool);
    await assert.rejects(streaks.misses('a'), /reading push streaks failed/);
    await assert.rejects(streaks.missed('a'), /counting a missed push failed/);
    await assert.rejects(streaks.approved('a'), /ending a push streak failed/);
  } finally {
    await pool.end();
  }
});
