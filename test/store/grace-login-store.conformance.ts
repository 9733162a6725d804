// Owns the conformance suite every GraceLoginStore adapter must pass: counts per user, atomic increments, reset
// (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { GraceLoginStore } from '../../src/domain/grace-logins.js';

/** Builds a fresh, empty store on each call. */
export type MakeGraceLoginStore = () => Awaitable<GraceLoginStore>;

/** Defines node:test tests that check `makeStore`'s adapter against the GraceLoginStore contract. */
export function runGraceLoginStoreConformance(name: string, makeStore: MakeGraceLoginStore): void {
  describe(`GraceLoginStore conformance: ${name}`, () => {
    const at = new Date('2026-12-05T10:00:00Z');
    test('a name never counted has used none; each use counts one and returns the new count', async () => {
      const store = await makeStore();
      assert.equal(await store.used('alice'), 0);
      assert.equal(await store.recordUse('alice', at), 1);
      assert.equal(await store.recordUse('alice', at), 2);
      assert.equal(await store.used('alice'), 2);
      assert.equal(await store.used('Alice'), 0, 'names are case-sensitive');
    });
    test('uses counted at once are none of them lost: the increment is atomic', async () => {
      const store = await makeStore();
      // All start before any is awaited: an adapter that answers over a network really races them.
      const counts = await Promise.all(Array.from({ length: 10 }, () => store.recordUse('carol', at)));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal(await store.used('carol'), 10);
    });
    test('reset forgets a count; resetting nothing is false', async () => {
      const store = await makeStore();
      await store.recordUse('bob', at);
      assert.equal(await store.reset('bob'), true);
      assert.equal(await store.used('bob'), 0);
      assert.equal(await store.reset('bob'), false);
    });
    test("a user's own grace period: set, replaced, read back, removed; reset leaves it", async () => {
      const store = await makeStore();
      assert.equal(await store.ownGrace('dave'), undefined);
      assert.equal(await store.setOwnGrace('dave', { until: '2027-03-01', logins: 0 }, at), true);
      assert.deepEqual(await store.ownGrace('dave'), { until: '2027-03-01', logins: 0 });
      await store.setOwnGrace('dave', { until: '', logins: 3 }, at);
      assert.deepEqual(await store.ownGrace('dave'), { until: '', logins: 3 });
      assert.equal(await store.ownGrace('Dave'), undefined, 'names are case-sensitive');
      await store.recordUse('dave', at);
      await store.reset('dave');
      assert.deepEqual(
        await store.ownGrace('dave'),
        { until: '', logins: 3 },
        'grace-reset forgets the count only',
      );
      assert.equal(await store.setOwnGrace('dave', undefined, at), true);
      assert.equal(await store.ownGrace('dave'), undefined);
      assert.equal(await store.setOwnGrace('dave', undefined, at), false);
    });
  });
}
