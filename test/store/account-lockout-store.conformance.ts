// Owns the conformance suite every AccountLockoutStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountLockoutStore } from '../../src/domain/account-lockout.js';
import type { Awaitable } from '../../src/domain/awaitable.js';

/** Builds a fresh, empty store on each call. */
export type MakeAccountLockoutStore = () => Awaitable<AccountLockoutStore>;

const now = new Date('2025-01-02T03:04:05.000Z');
const until = '2025-01-02T03:09:05.000Z';

/** Defines node:test tests that check `makeStore`'s adapter against the AccountLockoutStore contract. */
export function runAccountLockoutStoreConformance(name: string, makeStore: MakeAccountLockoutStore): void {
  describe(`AccountLockoutStore conformance: ${name}`, () => {
    test('an account that never failed has no row and is not listed', async () => {
      const store = await makeStore();
      assert.equal(await store.get('alice'), undefined);
      assert.deepEqual(await store.list(), []);
      assert.equal(await store.reset('alice'), false, 'reset of a missing row reports false');
      assert.equal(await store.get('alice'), undefined, 'and creates none');
    });

    test('recordFailure creates the row at 1 and counts up by one per call (A6.5)', async () => {
      const store = await makeStore();
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) counts.push(await store.recordFailure('alice', now));
      assert.deepEqual(counts, [1, 2, 3]);
      assert.deepEqual(await store.get('alice'), {
        userName: 'alice',
        failures: 3,
        lockedUntil: null,
        locks: 0,
      });
      assert.equal(await store.recordFailure('bob', now), 1, 'counters are per account');
    });

    test('failures counted at once are none of them lost: the increment is atomic (A6.5)', async () => {
      const store = await makeStore();
      // All start before any is awaited: an adapter that answers over a network really races them.
      const counts = await Promise.all(Array.from({ length: 10 }, () => store.recordFailure('alice', now)));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal((await store.get('alice'))?.failures, 10);
    });

    test('names are case-sensitive: Alice and alice are two accounts', async () => {
      const store = await makeStore();
      await store.recordFailure('alice', now);
      await store.recordFailure('alice', now);
      assert.equal(await store.recordFailure('Alice', now), 1);
      assert.equal(await store.get('ALICE'), undefined);
    });

    test('lock sets the time, resets failures to 0 and counts locks', async () => {
      const store = await makeStore();
      for (let i = 0; i < 10; i++) await store.recordFailure('alice', now);
      await store.lock('alice', until);
      assert.deepEqual(await store.get('alice'), {
        userName: 'alice',
        failures: 0,
        lockedUntil: until,
        locks: 1,
      });
      await store.recordFailure('alice', now);
      const later = '2025-01-02T03:19:05.000Z';
      await store.lock('alice', later);
      assert.deepEqual(
        await store.get('alice'),
        { userName: 'alice', failures: 0, lockedUntil: later, locks: 2 },
        'a second lock replaces the time and grows the count (growing delay)',
      );
    });

    test('lock of an account without a row creates it locked once', async () => {
      const store = await makeStore();
      await store.lock('carol', until);
      assert.deepEqual(await store.get('carol'), {
        userName: 'carol',
        failures: 0,
        lockedUntil: until,
        locks: 1,
      });
    });

    test('failures after a lock count from 0 again and keep the lock and its count', async () => {
      const store = await makeStore();
      await store.recordFailure('alice', now);
      await store.lock('alice', until);
      assert.equal(await store.recordFailure('alice', now), 1);
      assert.deepEqual(await store.get('alice'), {
        userName: 'alice',
        failures: 1,
        lockedUntil: until,
        locks: 1,
      });
    });

    test('reset forgets failures, lock and lock count, once', async () => {
      const store = await makeStore();
      await store.recordFailure('alice', now);
      await store.lock('alice', until);
      await store.recordFailure('alice', now);
      await store.recordFailure('bob', now);
      assert.equal(await store.reset('alice'), true);
      assert.equal(await store.get('alice'), undefined);
      assert.equal(await store.reset('alice'), false);
      assert.equal((await store.get('bob'))?.failures, 1, 'other accounts keep their state');
      assert.equal(await store.recordFailure('alice', now), 1, 'counting starts over');
      assert.equal((await store.get('alice'))?.locks, 0, 'and so does the lock count');
    });

    test('list returns every account with failures or a lock, ordered by name', async () => {
      const store = await makeStore();
      await store.recordFailure('zoe', now);
      await store.lock('bob', until);
      await store.recordFailure('alice', now);
      await store.recordFailure('dave', now);
      await store.reset('dave');
      assert.deepEqual(await store.list(), [
        { userName: 'alice', failures: 1, lockedUntil: null, locks: 0 },
        { userName: 'bob', failures: 0, lockedUntil: until, locks: 1 },
        { userName: 'zoe', failures: 1, lockedUntil: null, locks: 0 },
      ]);
    });

    test('a returned lockout is a snapshot: later changes do not show through it', async () => {
      const store = await makeStore();
      await store.recordFailure('alice', now);
      const before = await store.get('alice');
      await store.recordFailure('alice', now);
      assert.equal(before?.failures, 1);
      assert.equal((await store.get('alice'))?.failures, 2);
    });
  });
}
