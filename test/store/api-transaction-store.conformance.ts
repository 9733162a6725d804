// Owns the conformance suite every ApiTransactionStore adapter must pass (ARCHITECTURE.md §6: one suite, every
// adapter): records, ending once (SECURITY A7.6), listeners, idempotency claims and the sweep.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ApiTransaction,
  type ApiTransactionStore,
  CLAIM_LAPSE_MS,
  KEEP_ENDED_MS,
  KEEP_IDEMPOTENCY_MS,
} from '../../src/domain/api-transaction.js';
import type { Awaitable } from '../../src/domain/awaitable.js';

/**
 * Two handles on one fresh, empty store: the same object where there is one node (memory, SQLite), two nodes'
 * stores on one database (PostgreSQL), so races and notices cross nodes.
 */
export type MakeApiTransactionStores = () => Awaitable<{ a: ApiTransactionStore; b: ApiTransactionStore }>;

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

export const pendingPush = (id: string, overrides: Partial<ApiTransaction> = {}): ApiTransaction => ({
  id,
  type: 'push',
  owner: 'portal',
  user: 'alice',
  status: 'pending',
  reason: null,
  number: '37',
  createdAt: T0,
  expiresAt: T0 + MINUTE,
  endedAt: null,
  ...overrides,
});

const id = (n: number) => n.toString(16).padStart(32, '0');

/** Resolves when `wake` has been called and the record then reads as ended; rejects after `ms`. */
function endSeen(store: ApiTransactionStore, txn: string, ms = 10_000): Promise<ApiTransaction> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no wake for ${txn} within ${ms} ms`));
    }, ms);
    const stop = store.listen(txn, () => {
      void Promise.resolve(store.get(txn)).then((now) => {
        if (now === undefined || now.status === 'pending') return;
        clearTimeout(timer);
        stop();
        resolve(now);
      }, reject);
    });
  });
}

export function runApiTransactionStoreConformance(name: string, make: MakeApiTransactionStores): void {
  describe(`ApiTransactionStore conformance: ${name}`, () => {
    test('a record reads back as written, from either node; an unknown id reads undefined', async () => {
      const { a, b } = await make();
      const push = pendingPush(id(1));
      const code = pendingPush(id(2), {
        type: 'code',
        user: 'bob',
        status: 'denied',
        reason: 'BAD_PASSWORD',
        number: null,
        expiresAt: null,
        endedAt: T0,
      });
      await a.add(push);
      await a.add(code);
      assert.deepEqual(await b.get(id(1)), push);
      assert.deepEqual(await b.get(id(2)), code);
      assert.equal(await b.get(id(3)), undefined);
    });

    test('end moves a pending record once: later ends change nothing (the first outcome stands, A7.6)', async () => {
      const { a, b } = await make();
      await a.add(pendingPush(id(1)));
      assert.equal(await a.end(id(1), 'approved', null, T0 + 5_000), true);
      assert.equal(await b.end(id(1), 'denied', 'PUSH_DENIED', T0 + 6_000), false);
      assert.deepEqual(await b.get(id(1)), {
        ...pendingPush(id(1)),
        status: 'approved',
        endedAt: T0 + 5_000,
      });
      assert.equal(await a.end(id(9), 'expired', 'PUSH_TIMEOUT', T0), false, 'no such record');
      await a.add(pendingPush(id(2), { status: 'denied', reason: 'PUSH_MUTED', endedAt: T0 }));
      assert.equal(await b.end(id(2), 'approved', null, T0 + 1), false, 'written ended');
    });

    test('two ends at once on two nodes: exactly one wins, and the record shows its outcome', async () => {
      const { a, b } = await make();
      for (let n = 1; n <= 5; n++) await a.add(pendingPush(id(n)));
      for (let n = 1; n <= 5; n++) {
        const [first, second] = await Promise.all([
          a.end(id(n), 'approved', null, T0 + 1),
          b.end(id(n), 'denied', 'PUSH_DENIED', T0 + 2),
        ]);
        assert.equal(Number(first) + Number(second), 1, `exactly one end of ${n} wins`);
        const now = await a.get(id(n));
        assert.equal(now?.status, first ? 'approved' : 'denied');
        assert.equal(now?.reason, first ? null : 'PUSH_DENIED');
      }
    });

    test('a listener on one node is woken when the record ends on the other, and reads the end', async () => {
      const { a, b } = await make();
      await a.add(pendingPush(id(1)));
      const seen = endSeen(a, id(1));
      // Give a notice connection opened by the first listener its moment (no harm where there is none).
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(await b.end(id(1), 'denied', 'PUSH_DENIED', T0 + 1), true);
      const ended = await seen;
      assert.equal(ended.status, 'denied');
      assert.equal(ended.reason, 'PUSH_DENIED');
    });

    test('a key is claimed once: the same body is in progress, another body is reused, then the answer', async () => {
      const { a, b } = await make();
      assert.deepEqual(await a.claim('portal', 'k-1', 'h1', T0), { kind: 'claimed' });
      assert.deepEqual(await b.claim('portal', 'k-1', 'h1', T0 + 1), { kind: 'in-progress' });
      assert.deepEqual(await b.claim('portal', 'k-1', 'h2', T0 + 1), { kind: 'reused' });
      assert.deepEqual(
        await b.claim('other', 'k-1', 'h1', T0 + 1),
        { kind: 'claimed' },
        'keys are per owner',
      );
      const answer = { status: 202, payload: '{"id":"x"}', headers: { 'content-type': 'application/json' } };
      await a.remember('portal', 'k-1', answer, T0 + 2);
      assert.deepEqual(await b.claim('portal', 'k-1', 'h1', T0 + 3), { kind: 'answered', answer });
      assert.deepEqual(await b.claim('portal', 'k-1', 'h2', T0 + 3), { kind: 'reused' });
      await b.release('portal', 'k-1');
      assert.deepEqual(await a.claim('portal', 'k-1', 'h1', T0 + 4), { kind: 'answered', answer }, 'kept');
    });

    test('a released claim may be claimed again; a lapsed claim and a day-old answer too', async () => {
      const { a, b } = await make();
      await a.claim('portal', 'k-1', 'h1', T0);
      await a.release('portal', 'k-1');
      assert.deepEqual(await b.claim('portal', 'k-1', 'h2', T0 + 1), { kind: 'claimed' });
      assert.deepEqual(await a.claim('portal', 'k-1', 'h2', T0 + CLAIM_LAPSE_MS), { kind: 'in-progress' });
      assert.deepEqual(await a.claim('portal', 'k-1', 'h2', T0 + CLAIM_LAPSE_MS + 2), { kind: 'claimed' });
      await b.remember('portal', 'k-1', { status: 201, payload: '', headers: {} }, T0 + CLAIM_LAPSE_MS + 3);
      const later = T0 + CLAIM_LAPSE_MS + 3 + KEEP_IDEMPOTENCY_MS;
      assert.equal((await a.claim('portal', 'k-1', 'h2', later)).kind, 'answered');
      assert.deepEqual(await a.claim('portal', 'k-1', 'h3', later + 1), { kind: 'claimed' });
    });

    test('claims of one key at once on two nodes: exactly one claimant', async () => {
      const { a, b } = await make();
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`;
        const claims = await Promise.all(
          [a, b, a, b, a, b].map((store) => store.claim('portal', key, 'h1', T0)),
        );
        assert.equal(claims.filter((c) => c.kind === 'claimed').length, 1, JSON.stringify(claims));
        assert.ok(claims.every((c) => c.kind === 'claimed' || c.kind === 'in-progress'));
      }
    });

    test('the sweep deletes records ten minutes after their end (or deadline) and keys after a day', async () => {
      const { a, b } = await make();
      await a.add(pendingPush(id(1), { status: 'approved', endedAt: T0 + MINUTE }));
      await a.add(pendingPush(id(2), { expiresAt: T0 + 5 * MINUTE }));
      await a.add(pendingPush(id(3), { type: 'code', status: 'approved', expiresAt: null, endedAt: T0 }));
      await a.claim('portal', 'k-1', 'h1', T0);
      await a.remember('portal', 'k-1', { status: 201, payload: '', headers: {} }, T0);
      await a.claim('portal', 'k-2', 'h1', T0 + KEEP_IDEMPOTENCY_MS);
      await b.sweep(T0 + MINUTE + KEEP_ENDED_MS);
      assert.equal(await a.get(id(3)), undefined, 'ended at T0');
      assert.equal((await a.get(id(1)))?.status, 'approved', 'ended at T0 + 1 min: kept to the millisecond');
      assert.equal((await a.get(id(2)))?.status, 'pending');
      await b.sweep(T0 + 5 * MINUTE + KEEP_ENDED_MS + 1);
      assert.equal(await a.get(id(1)), undefined);
      assert.equal(await a.get(id(2)), undefined, 'pending past its deadline and the keeping');
      await b.sweep(T0 + KEEP_IDEMPOTENCY_MS + 1);
      // Read through claims at T0 + 2: a swept key is claimed anew, a kept one still held.
      assert.deepEqual(await a.claim('portal', 'k-1', 'h9', T0 + 2), { kind: 'claimed' }, 'swept');
      assert.deepEqual(await a.claim('portal', 'k-2', 'h1', T0 + KEEP_IDEMPOTENCY_MS + 2), {
        kind: 'in-progress',
      });
    });
  });
}
