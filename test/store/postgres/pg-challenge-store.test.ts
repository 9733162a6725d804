// Runs the ChallengeStore conformance suite on PostgreSQL, plus what two nodes on one database show: one winner.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { FIND_MANY, FIND_PREVIOUS } from '../../../src/store/postgres/pg-challenge-statements.js';
import { PgChallengeStore } from '../../../src/store/postgres/pg-challenge-store.js';
import { newChallenge, runChallengeStoreConformance } from '../challenge-store.conformance.js';
import { countingPool, freshPool } from './pg-fixture.js';

runChallengeStoreConformance(
  'postgres',
  async (lifetimeMs) => new PgChallengeStore(await freshPool(), lifetimeMs),
);

/** Another node on the database of `pool`: its own pool, so its statements run on other connections. */
async function twoNodes(run: (a: PgChallengeStore, b: PgChallengeStore, pool: pg.Pool) => Promise<void>) {
  const pool = await freshPool();
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 });
  other.on('error', () => {});
  try {
    await run(new PgChallengeStore(pool, 60_000), new PgChallengeStore(other, 60_000), pool);
  } finally {
    await other.end();
  }
}

describe('PostgreSQL challenge sessions on two nodes of one database', () => {
  test('a session opened on one node is answered on the other (a NAS that failed over)', async () => {
    await twoNodes(async (a, b) => {
      const session = await a.open(newChallenge({ number: '17' }), 0);
      const taken = await b.take(session.state, 'fw1', 'Alice', 1);
      assert.ok(taken.ok);
      assert.equal(taken.session.number, '17');
      await b.end(taken.session, 2);
      assert.equal((await a.take(session.state, 'fw1', 'Alice', 3)).ok, false, 'ended on B is ended on A');
    });
  });

  const races = [
    ['A4.3: code answers with one State sent to both nodes at once: exactly one claims it', 'claim'],
    ['A3.4: empty answers to both nodes at once start one push', 'startPushing'],
  ] as const;
  for (const [title, step] of races) {
    test(`${title}, 25 rounds`, async () => {
      await twoNodes(async (a, b) => {
        for (let round = 0; round < 25; round++) {
          const session = await a.open(newChallenge(), 0);
          const [onA, onB] = await Promise.all([
            a.take(session.state, 'fw1', 'Alice', 1),
            b.take(session.state, 'fw1', 'Alice', 1),
          ]);
          assert.ok(onA.ok && onB.ok);
          const won = await Promise.all([a[step](onA.session, 2), b[step](onB.session, 2)]);
          assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${won}`);
        }
      });
    });
  }

  test('the database holds the State only as its SHA-256; a claim left by a dead node lapses', async () => {
    await twoNodes(async (a, b, pool) => {
      const session = await a.open(newChallenge(), 0);
      const rows = await pool.query<{ state_hash: Buffer }>('SELECT state_hash FROM challenge_sessions');
      assert.equal(rows.rows.length, 1);
      const stored = rows.rows[0]!.state_hash;
      assert.equal(stored.length, 32);
      assert.equal(stored.includes(Buffer.from(session.state)), false, 'the State itself is not stored');
      const taken = await a.take(session.state, 'fw1', 'Alice', 1);
      assert.ok(taken.ok && (await a.claim(taken.session, 1)));
      // Node A dies here: its claim holds for 30 s, then B may check a code.
      const soon = await b.take(session.state, 'fw1', 'Alice', 10_000);
      assert.ok(soon.ok);
      assert.equal(await b.claim(soon.session, 10_000), false);
      const later = await b.take(session.state, 'fw1', 'Alice', 31_002);
      assert.ok(later.ok);
      assert.equal(await b.claim(later.session, 31_002), true);
      assert.equal(later.session.codeAttempts, 2);
    });
  });
});

describe('PostgreSQL challenge sessions: the steps of one event-loop turn are one statement each', () => {
  test('40 logins opened, taken, claimed and ended in the same turns: one statement per step, every answer right', async () => {
    const { pool, statements } = countingPool(await freshPool());
    const store = new PgChallengeStore(pool, 60_000);
    const sessions = await Promise.all(Array.from({ length: 40 }, () => store.open(newChallenge(), 0)));
    const unknown = new Uint8Array(16).fill(7);
    const taken = await Promise.all([
      ...sessions.map((session) => store.take(session.state, 'fw1', 'Alice', 1)),
      store.take(unknown, 'fw1', 'Alice', 1),
    ]);
    assert.equal(taken.pop()!.ok, false, 'a State no session holds is unknown within the batch');
    assert.deepEqual(
      taken.map((t) => t.ok && t.session.transactionId),
      sessions.map((s) => s.transactionId),
      'each State found its own session',
    );
    const claimed = await Promise.all(taken.map((t) => t.ok && store.claim(t.session, 2)));
    assert.ok(claimed.every((won) => won === true));
    await Promise.all(taken.map((t) => t.ok && store.end(t.session, 3)));
    assert.deepEqual(statements, [
      'challenge-open-many',
      'challenge-find-many',
      'challenge-find-previous', // the unknown State is looked for among replaced ones
      'challenge-claim-many',
      'challenge-end-many',
    ]);
    const again = await Promise.all(sessions.map((session) => store.take(session.state, 'fw1', 'Alice', 4)));
    assert.ok(again.every((t) => !t.ok && t.reason === 'STATE_USED'));
  });

  test('A4.3: five claims of one session in one batch, beside others: one wins, the others are claimed once', async () => {
    const store = new PgChallengeStore(await freshPool(), 60_000);
    const one = await store.open(newChallenge(), 0);
    const others = await Promise.all([store.open(newChallenge(), 0), store.open(newChallenge(), 0)]);
    const copies = await Promise.all(
      Array.from({ length: 5 }, () => store.take(one.state, 'fw1', 'Alice', 1)),
    );
    const otherCopies = await Promise.all(others.map((s) => store.take(s.state, 'fw1', 'Alice', 1)));
    const won = await Promise.all(
      [...copies, ...otherCopies].map((taken) => taken.ok && store.claim(taken.session, 2)),
    );
    assert.equal(won.slice(0, 5).filter(Boolean).length, 1, `claims of one session: ${won.slice(0, 5)}`);
    assert.deepEqual(won.slice(5), [true, true]);
    const winner = copies.find((taken, i) => won[i] && taken.ok);
    assert.ok(winner?.ok);
    assert.equal(winner.session.codeAttempts, 1, 'the row was updated once');
  });

  test('a transaction id opened twice in one batch: only that open fails (ALREADY_EXISTS), the rest are open', async () => {
    const store = new PgChallengeStore(await freshPool(), 60_000);
    const fields = newChallenge();
    const opened = await Promise.allSettled([
      store.open(newChallenge(), 0),
      store.open(fields, 0),
      store.open({ ...fields }, 0),
      store.open(newChallenge(), 0),
    ]);
    assert.deepEqual(
      opened.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((opened[2] as PromiseRejectedResult).reason.code, 'ALREADY_EXISTS');
    for (const o of opened) {
      if (o.status === 'fulfilled') assert.ok((await store.take(o.value.state, 'fw1', 'Alice', 1)).ok);
    }
  });
});

test("the table's planner statistics are refreshed after 1,000 opens, then 2,000, 4,000…: the batched State lookup finds its index", async () => {
  const pool = await freshPool();
  const store = new PgChallengeStore(pool, 60_000);
  const reltuples = async () =>
    Number(
      (await pool.query("SELECT reltuples FROM pg_class WHERE relname = 'challenge_sessions'")).rows[0]
        .reltuples,
    );
  const openMany = (n: number) => Promise.all(Array.from({ length: n }, () => store.open(newChallenge(), 0)));
  const analyzedNear = async (rows: number) => {
    const deadline = Date.now() + 10_000;
    // The ANALYZE runs beside the open that triggered it: it may see the rows before that one.
    while ((await reltuples()) < rows - 100) {
      assert.ok(Date.now() < deadline, `no ANALYZE after the open number ${rows}: ${await reltuples()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  for (let i = 0; i < 9; i++) await openMany(111);
  assert.equal(await reltuples(), -1, 'never analyzed before the 1,000th open (autovacuum is off in tests)');
  await openMany(1);
  await analyzedNear(1000);
  await openMany(1000);
  await analyzedNear(2000);
  await openMany(2000);
  await analyzedNear(4000);
  const client = await pool.connect();
  try {
    // The plan a prepared statement keeps (a generic one): with the statistics of an empty table, a sequential scan.
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE find_many(bytea[]) AS ${FIND_MANY.replace('$1::bytea[]', '$1')}`);
    const plan = (await client.query("EXPLAIN EXECUTE find_many('{}')")).rows
      .map((row) => row['QUERY PLAN'])
      .join('\n');
    assert.match(plan, /Index Scan/, plan);
    // Migration 12: replaced States are looked up in the partial index that holds only them.
    await client.query(`PREPARE find_previous(bytea[]) AS ${FIND_PREVIOUS.replace('$1::bytea[]', '$1')}`);
    const previous = (await client.query("EXPLAIN EXECUTE find_previous('{}')")).rows
      .map((row) => row['QUERY PLAN'])
      .join('\n');
    assert.match(previous, /challenge_sessions_previous/, previous);
  } finally {
    client.release(true);
  }
});
