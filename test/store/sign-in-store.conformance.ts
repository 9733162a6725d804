// Owns the conformance suite every SignInStore adapter must pass: batched appends, newest-first pages, reports,
// pruning (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { NewSignIn, SignInStore } from '../../src/domain/sign-in.js';

/** Builds a fresh, empty store on each call. */
export type MakeSignInStore = () => Awaitable<SignInStore>;

/** A sign-in of `userName` at `at`; the adapters' own tests build their rows with it too. */
export const signInRow = (userName: string, at: string, extra: Partial<NewSignIn> = {}): NewSignIn => ({
  userName,
  at,
  client: 'vpn-fw1',
  userIp: '203.0.113.9',
  result: 'accepted',
  how: 'totp',
  reason: '',
  txn: 'a'.repeat(32),
  ...extra,
});

const row = signInRow;

/** Defines node:test tests that check `makeStore`'s adapter against the SignInStore contract. */
export function runSignInStoreConformance(name: string, makeStore: MakeSignInStore): void {
  describe(`SignInStore conformance: ${name}`, () => {
    test('append keeps every field; get reads one by id; a new sign-in is not reported', async () => {
      const store = await makeStore();
      await store.append([
        row('alice', '2026-12-05T10:00:00.000Z', {
          result: 'rejected',
          how: '',
          reason: 'PUSH_DENIED',
          userIp: '',
          client: 'api-key',
          txn: 'b'.repeat(32),
        }),
      ]);
      const [first] = await store.recent('alice', 10);
      assert.ok(first !== undefined);
      assert.deepEqual(await store.get(first.id), first);
      assert.deepEqual(first, {
        id: first.id,
        userName: 'alice',
        at: '2026-12-05T10:00:00.000Z',
        client: 'api-key',
        userIp: '',
        result: 'rejected',
        how: '',
        reason: 'PUSH_DENIED',
        txn: 'b'.repeat(32),
        notMeAt: null,
      });
      assert.equal(await store.get(first.id + 1000), undefined);
    });

    test('recent: the user’s own, newest first in the order recorded, at most `limit`', async () => {
      const store = await makeStore();
      await store.append([
        row('alice', '2026-12-05T10:00:01.000Z', { txn: 't1' }),
        row('bob', '2026-12-05T10:00:02.000Z', { txn: 'bob' }),
        row('alice', '2026-12-05T10:00:03.000Z', { txn: 't2' }),
      ]);
      await store.append([row('alice', '2026-12-05T10:00:04.000Z', { txn: 't3' })]);
      await store.append([row('carol', '2026-12-05T10:00:05.000Z', { txn: 'carol' })]);
      await store.append([
        row('alice', '2026-12-05T10:00:06.000Z', { txn: 't4' }),
        row('alice', '2026-12-05T10:00:06.000Z', { txn: 't5' }),
      ]);
      assert.deepEqual(
        (await store.recent('alice', 10)).map((s) => s.txn),
        ['t5', 't4', 't3', 't2', 't1'],
      );
      assert.deepEqual(
        (await store.recent('alice', 2)).map((s) => s.txn),
        ['t5', 't4'],
      );
      assert.deepEqual(
        (await store.recent('bob', 10)).map((s) => s.txn),
        ['bob'],
      );
      assert.deepEqual(await store.recent('Alice', 10), [], 'names are case-sensitive');
      assert.deepEqual(await store.recent('nobody', 10), []);
      const ids = (await store.recent('alice', 10)).map((s) => s.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
        'ids grow with each append',
      );
    });

    test('olderThan continues exactly after a sign-in of the user; another user’s id or an unknown one is an empty page', async () => {
      const store = await makeStore();
      await store.append([
        row('alice', '2026-12-05T10:00:01.000Z', { txn: 'a' }),
        row('bob', '2026-12-05T10:00:01.000Z'),
      ]);
      await store.append([row('alice', '2026-12-05T10:00:02.000Z', { txn: 'b' })]);
      await store.append([
        row('alice', '2026-12-05T10:00:02.000Z', { txn: 'c' }),
        row('alice', '2026-12-05T10:00:03.000Z', { txn: 'd' }),
      ]);
      const first = await store.recent('alice', 2);
      assert.deepEqual(
        first.map((s) => s.txn),
        ['d', 'c'],
      );
      const second = await store.olderThan('alice', first[1]!.id, 2);
      assert.deepEqual(
        second.map((s) => s.txn),
        ['b', 'a'],
      );
      assert.deepEqual(await store.olderThan('alice', second[1]!.id, 2), []);
      assert.deepEqual(await store.olderThan('alice', (await store.recent('bob', 1))[0]!.id, 2), []);
      assert.deepEqual(await store.olderThan('alice', 999_999, 2), []);
    });

    test('markNotMe marks once; an unknown id or a second mark is false', async () => {
      const store = await makeStore();
      await store.append([row('alice', '2026-12-05T10:00:00.000Z')]);
      const id = (await store.recent('alice', 1))[0]!.id;
      const when = new Date('2026-12-05T11:00:00.000Z');
      assert.equal(await store.markNotMe(id, when), true);
      assert.equal((await store.get(id))?.notMeAt, '2026-12-05T11:00:00.000Z');
      assert.equal(await store.markNotMe(id, new Date('2026-12-05T12:00:00.000Z')), false);
      assert.equal((await store.get(id))?.notMeAt, '2026-12-05T11:00:00.000Z', 'the first report stands');
      assert.equal(await store.markNotMe(id + 1000, when), false);
    });

    test('two reports of one sign-in at once: exactly one marks it, and its time stands', async () => {
      const store = await makeStore();
      await store.append([row('alice', '2026-12-05T10:00:00.000Z')]);
      const id = (await store.recent('alice', 1))[0]!.id;
      const times = [new Date('2026-12-05T11:00:00.000Z'), new Date('2026-12-05T12:00:00.000Z')];
      // Both start before either is awaited: an adapter that answers over a network really races them.
      const marked = await Promise.all(times.map((when) => store.markNotMe(id, when)));
      assert.deepEqual([...marked].sort(), [false, true]);
      const winner = times[marked.indexOf(true)]!;
      assert.equal((await store.get(id))?.notMeAt, winner.toISOString(), 'the winning report stands');
    });

    test('pruneBefore deletes the oldest, of every user, up to the first not older; the rest read as before', async () => {
      const store = await makeStore();
      await store.append([
        row('alice', '2026-09-01T00:00:00.000Z', { txn: 'a-old' }),
        row('bob', '2026-09-06T23:59:59.999Z', { txn: 'b-old' }),
      ]);
      await store.append([
        row('alice', '2026-09-07T00:00:00.000Z', { txn: 'a-kept' }),
        row('alice', '2026-12-05T10:00:00.000Z', { txn: 'a-new' }),
      ]);
      assert.equal(await store.pruneBefore(new Date('2026-09-07T00:00:00.000Z')), 2);
      assert.deepEqual(
        (await store.recent('alice', 10)).map((s) => s.txn),
        ['a-new', 'a-kept'],
      );
      assert.deepEqual(await store.recent('bob', 10), []);
      assert.equal(await store.pruneBefore(new Date('2026-09-07T00:00:00.000Z')), 0);
      await store.append([row('bob', '2026-12-05T11:00:00.000Z', { txn: 'b-new' })]);
      assert.deepEqual(
        (await store.recent('bob', 10)).map((s) => s.txn),
        ['b-new'],
        'a user pruned to nothing starts again',
      );
      assert.equal(await store.pruneBefore(new Date('2027-01-01T00:00:00.000Z')), 3, 'everything older');
      assert.deepEqual(await store.recent('alice', 10), []);
      await store.append([row('alice', '2027-01-02T00:00:00.000Z', { txn: 'again' })]);
      assert.deepEqual(
        (await store.recent('alice', 10)).map((s) => s.txn),
        ['again'],
      );
    });

    test('an empty append is allowed and writes nothing', async () => {
      const store = await makeStore();
      await store.append([]);
      assert.deepEqual(await store.recent('alice', 10), []);
    });
  });
}
