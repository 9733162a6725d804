// The push limits' shared records on PostgreSQL: pushes every node created, counted per user and per address in
// a window; mutes that any node reads and no later mute shortens (SECURITY A7.7, A7.8).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { PgPushLimitRecords } from '../../../src/store/postgres/pg-push-limit-records.js';
import { PgTransactionStore } from '../../../src/store/postgres/pg-transaction-store.js';
import { runPushMutesConformance } from '../push-mutes.conformance.js';
import { freshPool } from './pg-fixture.js';

runPushMutesConformance('postgres', async () => new PgPushLimitRecords(await freshPool()));

const T0 = 1_800_000_000_000;
let made = 0;
const push = (userName: string, userIp: string, createdAt: number) => ({
  id: `t${++made}`,
  sessionId: `s${made}`,
  userName,
  clientName: 'fw1',
  userIp,
  number: '',
  createdAt,
  deadline: createdAt + 60_000,
});

test('pushes created on two nodes are counted once each, per user and per address, inside the window', async () => {
  const pool = await freshPool();
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 2 });
  other.on('error', () => {});
  try {
    const [a, b] = [new PgTransactionStore(pool), new PgTransactionStore(other)];
    await a.create(push('alice', '10.0.0.1', T0));
    await b.create(push('alice', '10.0.0.2', T0 + 1000));
    await b.create(push('bob', '10.0.0.1', T0 + 2000));
    await a.create(push('alice', '', T0 + 3000));
    const records = new PgPushLimitRecords(other);
    assert.deepEqual(await records.recent('alice', '10.0.0.1', T0 - 1), {
      perUser: 3,
      perSource: 2,
      mutedUntil: 0,
    });
    assert.deepEqual(await records.recent('alice', '10.0.0.1', T0), {
      perUser: 2,
      perSource: 1,
      mutedUntil: 0,
    });
    assert.deepEqual(await records.recent('carol', '', T0 - 1), { perUser: 0, perSource: 0, mutedUntil: 0 });
  } finally {
    await other.end();
  }
});

test('a mute is read with the counts, by every node; a lift on one node ends it for the others', async () => {
  const pool = await freshPool();
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 2 });
  other.on('error', () => {});
  try {
    const [a, b] = [new PgPushLimitRecords(pool), new PgPushLimitRecords(other)];
    await a.mute('bob', T0 + 20 * 60_000);
    assert.equal((await b.recent('bob', '', T0)).mutedUntil, T0 + 20 * 60_000);
    assert.equal(await b.lift('bob', T0), true);
    assert.equal((await a.recent('bob', '', T0)).mutedUntil, 0);
  } finally {
    await other.end();
  }
});

test('a database that does not answer is a STORE_UNAVAILABLE naming the action', async () => {
  const pool = new pg.Pool({
    connectionString: 'postgres://postgres@127.0.0.1:1/none',
    connectionTimeoutMillis: 500,
  });
  pool.on('error', () => {});
  try {
    await assert.rejects(new PgPushLimitRecords(pool).recent('a', '', 0), /counting recent pushes failed/);
    await assert.rejects(new PgPushLimitRecords(pool).mute('a', 0), /muting pushes failed/);
    await assert.rejects(new PgPushLimitRecords(pool).until('a'), /reading a push mute failed/);
    await assert.rejects(new PgPushLimitRecords(pool).lift('a', 0), /lifting a push mute failed/);
  } finally {
    await pool.end();
  }
});
