// Owns the conformance suite every TransactionStore adapter must pass; adapters may answer with promises.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { StoreError } from '../../src/domain/ports.js';
import {
  type NewPushTransaction,
  NotCreated,
  type PushTransaction,
  type TransactionStore,
} from '../../src/domain/push-transaction.js';

export type MakeTransactionStore = () => Awaitable<TransactionStore>;

const T0 = 1_800_000_000_000;
const txn = (id: string, userName = 'alice', deadline = T0 + 60_000): NewPushTransaction => ({
  id,
  sessionId: `s-${id}`,
  userName,
  clientName: 'fw1',
  userIp: '198.51.100.7',
  number: '',
  createdAt: T0,
  deadline,
});

/** The id of what `createAlone` created, or why it created nothing. */
const idOf = (created: PushTransaction | NotCreated): string =>
  typeof created === 'string' ? created : created.id;

export function runTransactionStoreConformance(name: string, makeStore: MakeTransactionStore): void {
  describe(`TransactionStore conformance: ${name}`, () => {
    test("create starts in push-sent; found by id, session id and as the user's open transaction", async () => {
      const store = await makeStore();
      const created = await store.create(txn('t1'));
      assert.equal(created.status, 'push-sent');
      assert.equal((await store.byId('t1'))?.sessionId, 's-t1');
      assert.equal((await store.bySession('s-t1'))?.id, 't1');
      assert.equal(await store.bySession('s-none'), undefined);
      await store.create(txn('t2'));
      await store.create(txn('t3', 'bob'));
      assert.deepEqual(
        (await store.openForUser('alice', T0)).map((t) => t.id),
        ['t2', 't1'],
      );
      assert.deepEqual(await store.openForUser('alice', T0 + 60_001), [], 'past the deadline is not open');
      assert.equal(await store.pendingCount(), 3);
      await assert.rejects(async () => store.create({ ...txn('t1'), sessionId: 'other' }), StoreError);
      await assert.rejects(async () => store.create({ ...txn('t9'), sessionId: 's-t1' }), StoreError);
    });

    test('createAlone creates only while the user has no open push (SECURITY A7.7)', async () => {
      const store = await makeStore();
      assert.equal((await store.byId(idOf(await store.createAlone(txn('t1')))))?.status, 'push-sent');
      assert.equal(await store.createAlone(txn('t2')), NotCreated.Pending, 'alice has t1 open');
      assert.equal(await store.byId('t2'), undefined, 'nothing written');
      assert.equal(idOf(await store.createAlone(txn('t3', 'bob'))), 't3', 'another user is not held up');
      const late = { ...txn('t4'), createdAt: T0 + 60_001, deadline: T0 + 120_000 };
      assert.equal(idOf(await store.createAlone(late)), 't4', "t1's deadline has passed");
      await store.decide('t4', { status: 'denied', reason: 'PUSH_DENIED' });
      assert.equal(idOf(await store.createAlone({ ...late, id: 't5', sessionId: 's-t5' })), 't5', 'decided');
      await assert.rejects(
        async () => store.createAlone({ ...txn('t3', 'carol'), createdAt: T0 }),
        StoreError,
      );
    });

    test('createAlone with a cap counts the pushes from the address since the window start (SECURITY A7.7)', async () => {
      const store = await makeStore();
      const cap = { max: 2, since: T0 - 1 };
      const from = (id: string, userName: string, userIp = '198.51.100.7') => ({
        ...txn(id, userName),
        userIp,
      });
      await store.create(from('old', 'zoe'));
      const beforeWindow = { max: 2, since: T0 };
      assert.equal(
        idOf(await store.createAlone(from('t1', 'ann'), beforeWindow)),
        't1',
        'a push at `since` is not counted',
      );
      assert.equal(
        await store.createAlone(from('t2', 'bob'), cap),
        NotCreated.SourceLimit,
        'zoe and ann: 2 of 2',
      );
      assert.equal(await store.byId('t2'), undefined, 'nothing written');
      assert.equal(
        idOf(await store.createAlone(from('t3', 'bob', '203.0.113.9'), cap)),
        't3',
        'another address',
      );
      assert.equal(idOf(await store.createAlone(from('t4', 'cid', ''), cap)), 't4', 'no address: no cap');
      assert.equal(
        idOf(await store.createAlone(from('t5', 'dan'))),
        't5',
        'no cap given: only the open-push rule',
      );
      assert.equal(
        await store.createAlone(from('t6', 'ann'), cap),
        NotCreated.Pending,
        'the open push is checked first',
      );
    });

    test('decide is a compare-and-set: the first outcome wins, every later one is a no-op (SECURITY A4.3, A7.6)', async () => {
      const store = await makeStore();
      await store.create(txn('t1'));
      const first = await store.decide('t1', {
        status: 'approved',
        decidedBy: 'ASNP00000001',
      });
      assert.equal(first.won, true);
      assert.equal(first.transaction?.status, 'approved');
      const second = await store.decide('t1', { status: 'denied', reason: 'PUSH_DENIED' });
      assert.equal(second.won, false);
      assert.equal(second.transaction?.status, 'approved', 'the loser sees what won');
      assert.equal(second.transaction?.decidedBy, 'ASNP00000001');
      assert.deepEqual(await store.openForUser('alice', T0), []);
      assert.equal(await store.pendingCount(), 0);
      assert.equal((await store.decide('nope', { status: 'expired', reason: 'PUSH_TIMEOUT' })).won, false);
    });

    test('of many racing outcomes exactly one wins', async () => {
      const store = await makeStore();
      await store.create(txn('t1'));
      const results = await Promise.all(
        ['approved', 'denied', 'expired', 'answered-by-code', 'approved'].map((status) =>
          store.decide('t1', { status: status as 'approved' }),
        ),
      );
      assert.equal(results.filter((r) => r.won).length, 1);
    });

    test('sweep forgets transactions past their deadline by more than keepMs, open or ended', async () => {
      const store = await makeStore();
      await store.create(txn('old', 'alice', T0));
      await store.create(txn('new', 'alice', T0 + 120_000));
      await store.decide('new', { status: 'denied', reason: 'PUSH_DENIED' });
      assert.equal(await store.sweep(T0 + 30_001, 30_000), 1);
      assert.equal(await store.byId('old'), undefined);
      assert.equal(await store.bySession('s-old'), undefined);
      assert.equal((await store.byId('new'))?.status, 'denied', 'kept to answer a late resend');
      assert.equal(await store.pendingCount(), 0);
    });
  });
}
