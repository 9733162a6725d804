// Owns the conformance suite every AccountLockoutStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountLockoutStore } from '../../src/domain/account-lockout.js';

/** Builds a fresh, empty store on each call. */
export type MakeAccountLockoutStore = () => AccountLockoutStore;

const now = new Date('2025-01-02T03:04:05.000Z');
const until = '2025-01-02T03:09:05.000Z';

/** Defines node:test tests that check `makeStore`'s adapter against the AccountLockoutStore contract. */
export function runAccountLockoutStoreConformance(name: string, makeStore: MakeAccountLockoutStore): void {
  describe(`AccountLockoutStore conformance: ${name}`, () => {
    test('an account that never failed has no row and is not listed', () => {
      const store = makeStore();
      assert.equal(store.get('alice'), undefined);
      assert.deepEqual(store.list(), []);
      assert.equal(store.reset('alice'), false, 'reset of a missing row reports false');
      assert.equal(store.get('alice'), undefined, 'and creates none');
    });

    test('recordFailure creates the row at 1 and counts up by one per call (A6.5)', () => {
      const store = makeStore();
      assert.deepEqual(
        [1, 2, 3].map(() => store.recordFailure('alice', now)),
        [1, 2, 3],
      );
      assert.deepEqual(store.get('alice'), { userName: 'alice', failures: 3, lockedUntil: null, locks: 0 });
      assert.equal(store.recordFailure('bob', now), 1, 'counters are per account');
    });

    test('names are case-sensitive: Alice and alice are two accounts', () => {
      const store = makeStore();
      store.recordFailure('alice', now);
      store.recordFailure('alice', now);
      assert.equal(store.recordFailure('Alice', now), 1);
      assert.equal(store.get('ALICE'), undefined);
    });

    test('lock sets the time, resets failures to 0 and counts locks', () => {
      const store = makeStore();
      for (let i = 0; i < 10; i++) store.recordFailure('alice', now);
      store.lock('alice', until);
      assert.deepEqual(store.get('alice'), { userName: 'alice', failures: 0, lockedUntil: until, locks: 1 });
      store.recordFailure('alice', now);
      const later = '2025-01-02T03:19:05.000Z';
      store.lock('alice', later);
      assert.deepEqual(
        store.get('alice'),
        { userName: 'alice', failures: 0, lockedUntil: later, locks: 2 },
        'a second lock replaces the time and grows the count (growing delay)',
      );
    });

    test('lock of an account without a row creates it locked once', () => {
      const store = makeStore();
      store.lock('carol', until);
      assert.deepEqual(store.get('carol'), { userName: 'carol', failures: 0, lockedUntil: until, locks: 1 });
    });

    test('failures after a lock count from 0 again and keep the lock and its count', () => {
      const store = makeStore();
      store.recordFailure('alice', now);
      store.lock('alice', until);
      assert.equal(store.recordFailure('alice', now), 1);
      assert.deepEqual(store.get('alice'), { userName: 'alice', failures: 1, lockedUntil: until, locks: 1 });
    });

    test('reset forgets failures, lock and lock count, once', () => {
      const store = makeStore();
      store.recordFailure('alice', now);
      store.lock('alice', until);
      store.recordFailure('alice', now);
      store.recordFailure('bob', now);
      assert.equal(store.reset('alice'), true);
      assert.equal(store.get('alice'), undefined);
      assert.equal(store.reset('alice'), false);
      assert.equal(store.get('bob')?.failures, 1, 'other accounts keep their state');
      assert.equal(store.recordFailure('alice', now), 1, 'counting starts over');
      assert.equal(store.get('alice')?.locks, 0, 'and so does the lock count');
    });

    test('list returns every account with failures or a lock, ordered by name', () => {
      const store = makeStore();
      store.recordFailure('zoe', now);
      store.lock('bob', until);
      store.recordFailure('alice', now);
      store.recordFailure('dave', now);
      store.reset('dave');
      assert.deepEqual(store.list(), [
        { userName: 'alice', failures: 1, lockedUntil: null, locks: 0 },
        { userName: 'bob', failures: 0, lockedUntil: until, locks: 1 },
        { userName: 'zoe', failures: 1, lockedUntil: null, locks: 0 },
      ]);
    });

    test('a returned lockout is a snapshot: later changes do not show through it', () => {
      const store = makeStore();
      store.recordFailure('alice', now);
      const before = store.get('alice');
      store.recordFailure('alice', now);
      assert.equal(before?.failures, 1);
      assert.equal(store.get('alice')?.failures, 2);
    });
  });
}
