// Owns the conformance suite every PortalSessionStore adapter must pass (SECURITY A12.2; ARCHITECTURE.md §6: one
// suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import {
  type PortalDeadlines,
  type PortalSessionStore,
  portalSessionExpired,
  type StoredPortalSession,
} from '../../src/domain/portal-session-store.js';

/** Builds a fresh, empty store on each call; `second` is another node (or process) on the same database. */
export type MakePortalSessionStore = () => Awaitable<{
  store: PortalSessionStore;
  second?: PortalSessionStore;
}>;

const MINUTE = 60_000;
const T0 = 1_800_000_000_000;
const deadlines: PortalDeadlines = { idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE, stageMs: 5 * MINUTE };

const session = (key: string, fields: Partial<StoredPortalSession> = {}): StoredPortalSession => ({
  key,
  user: 'alice',
  groups: ['vpn', 'staff'],
  txn: `txn-${key}`,
  stage: 'second-factor',
  methods: ['push', 'code'],
  how: '',
  enrollOnly: false,
  startedAt: T0,
  lastSeenAt: T0,
  codeFailures: 0,
  push: undefined,
  ...fields,
});

export function runPortalSessionStoreConformance(name: string, make: MakePortalSessionStore): void {
  describe(`PortalSessionStore conformance: ${name}`, () => {
    test('a created session is found by its key with every field; another key finds nothing', async () => {
      const { store } = await make();
      const made = session('k1', { push: { txn: 'p1', number: '42' }, enrollOnly: true, how: 'password' });
      await store.create(made, 10, T0, deadlines);
      assert.deepEqual(await store.find('k1'), made);
      assert.equal(await store.find('k2'), undefined);
      assert.equal(await store.find('K1'), undefined, 'keys are compared byte for byte');
      assert.equal(await store.count(), 1);
    });

    test('a session made on one node is found, changed and ended on another', async () => {
      const { store, second } = await make();
      const other = second ?? store;
      await store.create(session('k1'), 10, T0, deadlines);
      assert.equal((await other.find('k1'))?.user, 'alice');
      assert.equal(await other.update('k1', { push: { txn: 'p9', number: null } }), true);
      assert.deepEqual((await store.find('k1'))?.push, { txn: 'p9', number: null });
      await other.end('k1');
      assert.equal(await store.find('k1'), undefined);
    });

    test('update writes only the fields given; the push can be cleared; a missing key changes nothing', async () => {
      const { store } = await make();
      await store.create(session('k1', { push: { txn: 'p1', number: null } }), 10, T0, deadlines);
      assert.equal(await store.update('k1', { lastSeenAt: T0 + MINUTE }), true);
      let found = await store.find('k1');
      assert.equal(found?.lastSeenAt, T0 + MINUTE);
      assert.deepEqual(found?.push, { txn: 'p1', number: null }, 'the push is kept when not given');
      assert.equal(found?.stage, 'second-factor');
      assert.equal(await store.update('k1', { push: undefined }), true);
      found = await store.find('k1');
      assert.equal(found?.push, undefined);
      assert.equal(found?.lastSeenAt, T0 + MINUTE);
      assert.equal(await store.update('nope', { lastSeenAt: T0 }), false);
    });

    test('signing in rotates the key once: the old key is gone, and a second sign-in of it changes nothing', async () => {
      const { store, second } = await make();
      const other = second ?? store;
      await store.create(session('old', { push: { txn: 'p1', number: null } }), 10, T0, deadlines);
      const signIn = {
        key: 'new',
        stage: 'signed-in',
        how: 'push',
        push: undefined,
        lastSeenAt: T0 + 1,
      } as const;
      assert.equal(await store.update('old', signIn, 'second-factor'), true);
      assert.equal(await other.update('old', { ...signIn, key: 'newer' }, 'second-factor'), false);
      assert.equal(await store.find('old'), undefined);
      assert.equal(await store.find('newer'), undefined);
      const found = await other.find('new');
      assert.equal(found?.stage, 'signed-in');
      assert.equal(found?.how, 'push');
      assert.equal(found?.push, undefined);
      assert.equal(found?.txn, 'txn-old', 'the sign-in keeps its txn');
      assert.equal(await store.update('new', { how: 'totp' }, 'second-factor'), false, 'stage is checked');
    });

    test('wrong codes count in one step on either node; a missing session counts 0', async () => {
      const { store, second } = await make();
      const other = second ?? store;
      await store.create(session('k1'), 10, T0, deadlines);
      assert.equal(await store.addCodeFailure('k1'), 1);
      assert.equal(await other.addCodeFailure('k1'), 2);
      assert.equal((await store.find('k1'))?.codeFailures, 2);
      assert.equal(await store.addCodeFailure('gone'), 0);
    });

    test('sweep deletes sessions past the idle, absolute or second-factor deadline, and no other', async () => {
      const { store } = await make();
      const now = T0 + 70 * MINUTE;
      const rows = [
        session('idle', { stage: 'signed-in', startedAt: now - 30 * MINUTE, lastSeenAt: now - 15 * MINUTE }),
        session('absolute', { stage: 'signed-in', startedAt: now - 60 * MINUTE, lastSeenAt: now }),
        session('stage', { startedAt: now - 5 * MINUTE, lastSeenAt: now }),
        session('live-stage', { startedAt: now - 5 * MINUTE + 1, lastSeenAt: now }),
        session('live', { stage: 'signed-in', startedAt: now - 59 * MINUTE, lastSeenAt: now - 14 * MINUTE }),
      ];
      for (const row of rows) await store.create(row, 10, T0, deadlines);
      for (const row of rows) {
        const expected = !row.key.startsWith('live');
        assert.equal(portalSessionExpired(row, now, deadlines), expected, row.key);
      }
      assert.equal(await store.sweep(now, deadlines), 3);
      assert.equal(await store.count(), 2);
      assert.ok(await store.find('live'));
      assert.ok(await store.find('live-stage'));
      assert.equal(await store.find('stage'), undefined);
    });

    test('at the bound, expired sessions go first, then the oldest; the new one is always kept', async () => {
      const { store } = await make();
      const at = (key: string, minutes: number) =>
        session(key, {
          stage: 'signed-in',
          startedAt: T0 + minutes * MINUTE,
          lastSeenAt: T0 + minutes * MINUTE,
        });
      await store.create(at('a', 0), 3, T0, deadlines);
      await store.create(at('b', 1), 3, T0 + MINUTE, deadlines);
      await store.create(at('c', 2), 3, T0 + 2 * MINUTE, deadlines);
      await store.create(at('d', 3), 3, T0 + 3 * MINUTE, deadlines);
      assert.equal(await store.count(), 3);
      assert.equal(await store.find('a'), undefined, 'the oldest was dropped');
      assert.ok(await store.find('d'));
      // At T0 + 16.5 min, b (last seen at 1) is idle past 15 minutes: it goes, c stays.
      await store.create(at('e', 16.5), 3, T0 + 16.5 * MINUTE, deadlines);
      assert.equal(await store.find('b'), undefined);
      assert.ok(await store.find('c'));
      assert.ok(await store.find('e'));
      assert.equal(await store.count(), 3);
    });

    test('ending a key ends only that session', async () => {
      const { store } = await make();
      await store.create(session('k1'), 10, T0, deadlines);
      await store.create(session('k2', { user: 'bob' }), 10, T0, deadlines);
      await store.end('k1');
      await store.end('k1');
      assert.equal(await store.find('k1'), undefined);
      assert.equal((await store.find('k2'))?.user, 'bob');
    });
  });
}
