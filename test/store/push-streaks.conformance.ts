// Owns the conformance suite every PushStreaks adapter must pass (SECURITY A7.7; ARCHITECTURE.md §6: one suite,
// every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MISSES_BEFORE_NUMBER, PushLimits } from '../../src/auth/push-limits.js';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { PushStreaks } from '../../src/domain/push-streaks.js';

/** Builds a fresh, empty store on each call; `second` is another node (or process) on the same database. */
export type MakePushStreaks = () => Awaitable<{ streaks: PushStreaks; second?: PushStreaks }>;

const settings = { maxPerUser: 3, rateWindowSeconds: 300, muteMinutes: 20 };

export function runPushStreaksConformance(name: string, makeStore: MakePushStreaks): void {
  describe(`PushStreaks conformance: ${name}`, () => {
    test('a user never seen reads 0; each miss adds one; names are case-sensitive', async () => {
      const { streaks } = await makeStore();
      assert.equal(await streaks.misses('alice'), 0);
      await streaks.missed('alice');
      assert.equal(await streaks.misses('alice'), 1);
      await streaks.missed('alice');
      assert.equal(await streaks.misses('alice'), 2);
      assert.equal(await streaks.misses('Alice'), 0);
    });

    test('outcomes count in the order they are noted: an approval ends the streak, a later miss starts one', async () => {
      const { streaks } = await makeStore();
      await streaks.missed('bob');
      await streaks.missed('bob');
      await streaks.approved('bob');
      assert.equal(await streaks.misses('bob'), 0);
      await streaks.missed('bob');
      assert.equal(await streaks.misses('bob'), 1, 'only the miss after the approval');
      await streaks.approved('carol');
      assert.equal(await streaks.misses('carol'), 0, 'an approval without a streak changes nothing');
    });

    test("one user's misses and approval leave other users' streaks as they were", async () => {
      const { streaks } = await makeStore();
      await streaks.missed('dave');
      await streaks.missed('dave');
      await streaks.missed('erin');
      await streaks.approved('frank');
      assert.deepEqual(
        await Promise.all(['dave', 'erin', 'frank', 'dave', 'gina'].map((u) => streaks.misses(u))),
        [2, 1, 0, 2, 0],
        'read together (one statement on PostgreSQL), each user gets their own',
      );
      await streaks.approved('dave');
      assert.equal(await streaks.misses('erin'), 1);
    });

    test('misses noted at the same moment all count', async () => {
      const { streaks, second } = await makeStore();
      const other = second ?? streaks;
      await Promise.all([0, 1, 2, 3].map((i) => (i % 2 === 0 ? streaks : other).missed('hana')));
      assert.equal(await streaks.misses('hana'), 4);
    });

    test('two misses in a row make the next push need a number, wherever it starts; an approval ends that', async () => {
      const { streaks, second } = await makeStore();
      const nodeA = new PushLimits(settings, { streaks });
      const nodeB = new PushLimits(settings, { streaks: second ?? streaks });
      assert.equal(MISSES_BEFORE_NUMBER, 2);
      await nodeA.noteOutcome('ivan', false);
      assert.equal(await nodeA.numberRequired('ivan'), false, 'one miss is not a streak');
      assert.equal(await nodeB.numberRequired('ivan'), false);
      await nodeB.noteOutcome('ivan', false);
      assert.equal(await nodeA.numberRequired('ivan'), true, 'a miss on each node');
      assert.equal(await nodeB.numberRequired('ivan'), true);
      assert.equal(await nodeA.numberRequired('judy'), false, 'another user');
      await nodeB.noteOutcome('ivan', true);
      assert.equal(await nodeA.numberRequired('ivan'), false, 'approved on the other node');
    });
  });
}
