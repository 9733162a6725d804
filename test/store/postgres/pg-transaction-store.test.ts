// Runs the TransactionStore conformance suite on PostgreSQL, plus what only a shared database shows: decisions
// raced from two nodes, the NOTIFY of a won decision, and how failures are reported.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { type NewPushTransaction, NotCreated } from '../../../src/domain/push-transaction.js';
import { MemoryTransactionStore } from '../../../src/store/memory/memory-transaction-store.js';
import {
  PgTransactionStore,
  PUSH_DECIDED_CHANNEL,
} from '../../../src/store/postgres/pg-transaction-store.js';
import { runTransactionStoreConformance } from '../transaction-store.conformance.js';
import { freshDatabase, freshPool } from './pg-fixture.js';

runTransactionStoreConformance('postgres', async () => new PgTransactionStore(await freshPool()));

const T0 = 1_800_000_000_000;
const txn = (id: string, userName = 'alice'): NewPushTransaction => ({
  id,
  sessionId: `s-${id}`,
  userName,
  clientName: 'fw1',
  userIp: '198.51.100.7',
  number: '42',
  createdAt: T0,
  deadline: T0 + 60_000,
});

/** Another node on the database of `pool`: its own pool, so its statements run on other connections. */
async function withSecondNode(pool: pg.Pool, run: (other: pg.Pool) => Promise<void>): Promise<void> {
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 });
  other.on('error', () => {});
  try {
    await run(other);
  } finally {
    await other.end();
  }
}

/** True once `check` holds, polling every 10 ms; false after `ms`. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(10)) if (check()) return true;
  return check();
}

describe('PgTransactionStore', () => {
  test('rows come back as the memory store builds them: same keys in the same order, numbers, undefined', async () => {
    const store = new PgTransactionStore(await freshPool());
    const memory = new MemoryTransactionStore();
    const created = await store.create(txn('t1'));
    const expected = memory.create(txn('t1'));
    assert.deepEqual(created, expected);
    assert.deepEqual(Object.keys(created), Object.keys(expected));
    assert.deepEqual(await store.byId('t1'), expected);
    const outcome = { status: 'denied', reason: 'PUSH_NOT_ME', decidedBy: 'ASNP00000001' } as const;
    const decided = await store.decide('t1', outcome);
    assert.deepEqual(decided, memory.decide('t1', outcome));
    assert.deepEqual(Object.keys(decided.transaction!), Object.keys(expected));
  });

  test('same-millisecond pushes of a user come newest first by created_at, then by descending id', async () => {
    const store = new PgTransactionStore(await freshPool());
    await store.create(txn('b'));
    await store.create(txn('a'));
    await store.create(txn('c'));
    await store.create({ ...txn('z'), createdAt: T0 - 1 });
    await store.create({ ...txn('y'), createdAt: T0 + 1 });
    assert.deepEqual(
      (await store.openForUser('alice', T0)).map((t) => t.id),
      ['y', 'c', 'b', 'a', 'z'],
    );
  });
});

describe('PgTransactionStore on two nodes of one database', () => {
  test('a decision raced from two nodes is won by exactly one; both answers carry what won (SECURITY A4.3)', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgTransactionStore(pool);
      const b = new PgTransactionStore(other);
      for (let i = 0; i < 30; i++) {
        const id = `t${i}`;
        await (i % 2 === 0 ? a : b).create(txn(id));
        const answers = await Promise.all([
          a.decide(id, { status: 'approved', decidedBy: 'ASNP00000001' }),
          b.decide(id, { status: 'denied', reason: 'PUSH_DENIED', decidedBy: 'ASNP00000002' }),
        ]);
        const winners = answers.filter((r) => r.won);
        assert.equal(winners.length, 1, `round ${i}: one winner`);
        const won = winners[0]!.transaction!;
        assert.ok(won.status === 'approved' || won.status === 'denied', `round ${i}: ${won.status}`);
        for (const answer of answers) {
          assert.equal(answer.transaction?.status, won.status, `round ${i}`);
          assert.equal(answer.transaction?.decidedBy, won.decidedBy, `round ${i}`);
          assert.equal(answer.transaction?.reason, won.reason, `round ${i}`);
        }
        assert.equal((await b.byId(id))?.status, won.status, `round ${i}: stored`);
      }
      assert.equal(await a.pendingCount(), 0);
    });
  });

  test('SECURITY A7.7: two nodes starting a push for one user at once: exactly one creates it, 25 rounds', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgTransactionStore(pool);
      const b = new PgTransactionStore(other);
      for (let round = 0; round < 25; round++) {
        const user = `user${round}`;
        const created = await Promise.all([
          a.createAlone({ ...txn(`a${round}`), sessionId: `sa${round}`, userName: user }),
          b.createAlone({ ...txn(`b${round}`), sessionId: `sb${round}`, userName: user }),
        ]);
        assert.equal(created.filter((t) => typeof t !== 'string').length, 1, `round ${round}`);
        assert.equal((await a.openForUser(user, T0)).length, 1, `round ${round}: one open push`);
      }
    });
  });

  test('SECURITY A7.7: pushes for different users from one address on two nodes at once stop at the cap, 10 rounds', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const nodes = [new PgTransactionStore(pool), new PgTransactionStore(other)];
      for (let round = 0; round < 10; round++) {
        const userIp = `192.0.2.${round}`;
        const cap = { max: 3, since: T0 - 1 };
        // Eight starts from one address, four on each node, all at once: without the count under the address's
        // lock each node would see fewer than three and more than three would be created.
        const created = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            nodes[i % 2]!.createAlone(
              { ...txn(`r${round}u${i}`), sessionId: `sr${round}u${i}`, userName: `u${round}-${i}`, userIp },
              cap,
            ),
          ),
        );
        assert.equal(
          created.filter((t) => typeof t !== 'string').length,
          3,
          `round ${round}: ${created.join()}`,
        );
        assert.equal(created.filter((t) => t === NotCreated.SourceLimit).length, 5, `round ${round}`);
      }
    });
  });

  test('a won decision notifies assent_push_decided once with the id; a lost one notifies nothing', async () => {
    const { url, pool } = await freshDatabase();
    const store = new PgTransactionStore(pool);
    const listener = new pg.Client({ connectionString: url });
    listener.on('error', () => {});
    const heard: pg.Notification[] = [];
    try {
      await listener.connect();
      listener.on('notification', (n) => heard.push(n));
      await listener.query('LISTEN assent_push_decided');
      await store.create(txn('t1'));
      assert.equal((await store.decide('t1', { status: 'approved' })).won, true);
      assert.ok(await eventually(() => heard.length > 0, 5000), 'the won decision is heard');
      assert.deepEqual(
        heard.map((n) => [n.channel, n.payload]),
        [[PUSH_DECIDED_CHANNEL, 't1']],
      );
      assert.equal((await store.decide('t1', { status: 'denied', reason: 'PUSH_DENIED' })).won, false);
      await sleep(300);
      assert.equal(heard.length, 1, 'a lost decision is not announced');
      assert.deepEqual(await store.decide('nope', { status: 'expired', reason: 'PUSH_TIMEOUT' }), {
        won: false,
        transaction: undefined,
      });
      await sleep(300);
      assert.equal(heard.length, 1, 'an unknown id is not announced');
    } finally {
      await listener.end();
    }
  });
});

describe('PgTransactionStore failures', () => {
  test('an id or session id in use is ALREADY_EXISTS, as in memory; the first row is untouched', async () => {
    const store = new PgTransactionStore(await freshPool());
    await store.create(txn('t1'));
    const alreadyExists = (e: unknown) =>
      e instanceof StoreError &&
      e.code === StoreErrorCode.AlreadyExists &&
      e.message === 'a transaction with this id or session id exists';
    await assert.rejects(store.create({ ...txn('t2'), sessionId: 's-t1' }), alreadyExists);
    await assert.rejects(store.create({ ...txn('t1'), sessionId: 's-other' }), alreadyExists);
    assert.equal(await store.byId('t2'), undefined);
    assert.equal((await store.bySession('s-t1'))?.id, 't1');
    assert.equal(await store.pendingCount(), 1);
  });

  test('a database that cannot be reached is STORE_UNAVAILABLE, naming what was being done', async () => {
    const pool = new pg.Pool({
      connectionString: 'postgres://assent@127.0.0.1:1/none',
      connectionTimeoutMillis: 2000,
    });
    pool.on('error', () => {});
    const store = new PgTransactionStore(pool);
    const unavailable = (action: string) => (e: unknown) =>
      e instanceof StoreError &&
      e.code === StoreErrorCode.Unavailable &&
      e.message.startsWith(`${action} failed (ECONNREFUSED)`);
    try {
      await assert.rejects(store.create(txn('t1')), unavailable('creating a push transaction'));
      await assert.rejects(store.byId('t1'), unavailable('reading a push transaction'));
      await assert.rejects(store.bySession('s-t1'), unavailable('reading a push transaction'));
      await assert.rejects(
        store.openForUser('alice', T0),
        unavailable("listing a user's open push transactions"),
      );
      await assert.rejects(
        store.decide('t1', { status: 'approved' }),
        unavailable('deciding a push transaction'),
      );
      await assert.rejects(store.sweep(T0, 0), unavailable('sweeping push transactions'));
      await assert.rejects(store.pendingCount(), unavailable('counting pending push transactions'));
    } finally {
      await pool.end();
    }
  });

  test('a pool already ended is STORE_UNAVAILABLE too, with the driver reason in the message', async () => {
    const { url } = await freshDatabase();
    const pool = new pg.Pool({ connectionString: url });
    const store = new PgTransactionStore(pool);
    await store.create(txn('t1'));
    await pool.end();
    await assert.rejects(
      store.decide('t1', { status: 'approved' }),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === StoreErrorCode.Unavailable &&
        /^deciding a push transaction failed \(.*end.*\)$/.test(e.message),
    );
  });
});
