// SECURITY A7.7 / B4 #54: per-user and per-address push limits, mutes, and number matching after misses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISSES_BEFORE_NUMBER, PushLimits } from '../../src/auth/push-limits.js';
import { MemoryPushMutes } from '../../src/store/memory/memory-push-mutes.js';

const settings = { maxPerUser: 3, maxPerSource: 4, rateWindowSeconds: 300, muteMinutes: 20 };

test('one address spraying pushes at many users is stopped at maxPerSource; others are not', () => {
  const limits = new PushLimits(settings);
  const t = 1_000_000;
  const from = (source: string, n: number) =>
    Array.from({ length: n }, (_, i) => limits.admit(`user${source}${i}`, t + i, source));
  assert.deepEqual(from('198.51.100.7', 5), [
    undefined,
    undefined,
    undefined,
    undefined,
    'PUSH_RATE_LIMITED',
  ]);
  assert.equal(limits.admit('someone', t, '203.0.113.9'), undefined, 'another address has its own budget');
  assert.equal(
    limits.admit('nobody-knows', t, ''),
    undefined,
    'no address given: only the user limit applies',
  );
  assert.equal(limits.admit('userX', t + 300_001, '198.51.100.7'), undefined, 'the window moves on');
});

test('a refused push is not counted against the other limit', () => {
  const limits = new PushLimits(settings);
  for (let i = 0; i < 3; i++) assert.equal(limits.admit('alice', i, `10.0.0.${i}`), undefined);
  assert.equal(limits.admit('alice', 5, '10.0.0.9'), 'PUSH_RATE_LIMITED');
  for (let i = 0; i < 4; i++) assert.equal(limits.admit(`u${i}`, 6, '10.0.0.9'), undefined, `u${i}`);
});

test('mutes, and number matching after repeated misses until an approval', () => {
  const limits = new PushLimits(settings);
  limits.mute('bob', 0);
  assert.equal(limits.admit('bob', 1000, ''), 'PUSH_MUTED');
  for (let i = 0; i < MISSES_BEFORE_NUMBER; i++) {
    assert.equal(limits.numberRequired('carol'), false);
    void limits.noteOutcome('carol', false);
  }
  assert.equal(limits.numberRequired('carol'), true);
  void limits.noteOutcome('carol', true);
  assert.equal(limits.numberRequired('carol'), false);
});

test("with shared records (several nodes) the verdict is the records': every node's pushes, any node's mute", async () => {
  const rows: { user: string; source: string; at: number }[] = [];
  const mutes = new Map<string, number>();
  const records = {
    recent: async (user: string, source: string, since: number) => ({
      perUser: rows.filter((r) => r.user === user && r.at > since).length,
      perSource: source === '' ? 0 : rows.filter((r) => r.source === source && r.at > since).length,
      mutedUntil: mutes.get(user) ?? 0,
    }),
    until: async (user: string) => mutes.get(user) ?? 0,
    mute: async (user: string, until: number) => {
      mutes.set(user, Math.max(mutes.get(user) ?? 0, until));
    },
    lift: async (user: string, now: number) => {
      const was = mutes.get(user) ?? 0;
      mutes.delete(user);
      return was > now;
    },
  };
  const nodeA = new PushLimits(settings, { records });
  const nodeB = new PushLimits(settings, { records });
  // Pushes created on either node are rows both count.
  for (let i = 0; i < 3; i++) {
    const node = i % 2 === 0 ? nodeA : nodeB;
    assert.equal(await node.admit('alice', 1000 + i, '10.0.0.1'), undefined);
    rows.push({ user: 'alice', source: '10.0.0.1', at: 1000 + i });
  }
  assert.equal(
    await nodeB.admit('alice', 2000, '10.0.0.2'),
    'PUSH_RATE_LIMITED',
    'three pushes, on two nodes',
  );
  assert.equal(await nodeB.admit('alice', 1003 + 300_000, ''), undefined, 'the window moves on');
  rows.push({ user: 'x', source: '10.0.0.1', at: 2001 });
  assert.equal(await nodeA.admit('y', 2002, '10.0.0.1'), 'PUSH_RATE_LIMITED', 'four from one address');
  // A mute reported on A stops pushes sent by B.
  const until = nodeA.mute('bob', 5000);
  assert.equal(until, new Date(5000 + 20 * 60_000).toISOString());
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await nodeB.admit('bob', 6000, ''), 'PUSH_MUTED');
  assert.equal(await nodeB.admit('bob', 5000 + 20 * 60_000 + 1, ''), undefined, 'until it ends');
  // A lift in the database (`assent user unlock`) ends it on A too: A kept no copy once the database had it.
  nodeA.mute('carol', 5000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await records.lift('carol', 6000), true);
  assert.equal(await nodeA.admit('carol', 6001, ''), undefined, 'lifted on every node');
  assert.equal(await nodeB.admit('carol', 6001, ''), undefined);
});

test('one node: mutes are kept in its database (they outlive a restart, a lift from outside ends them); admit stays synchronous', () => {
  const mutes = new MemoryPushMutes();
  const before = new PushLimits(settings, { mutes });
  before.mute('dora', 0);
  const after = new PushLimits(settings, { mutes });
  const verdict = after.admit('dora', 1000, '');
  assert.equal(verdict, 'PUSH_MUTED', 'a new process reads the mute (and answers at once)');
  assert.equal(mutes.lift('dora', 1000), true, 'assent user unlock, in another process');
  assert.equal(before.admit('dora', 1001, ''), undefined, 'the node that muted kept no copy of its own');
});

test('a mute the shared records refuse still holds on this node, and the failure is reported', async () => {
  const failures: string[] = [];
  const records = {
    recent: () => ({ perUser: 0, perSource: 0, mutedUntil: 0 }),
    until: () => 0,
    mute: () => Promise.reject(new Error('database away')),
    lift: () => false,
  };
  const limits = new PushLimits(settings, {
    records,
    onError: (error, user) => failures.push(`${user}: ${(error as Error).message}`),
  });
  limits.mute('bob', 0);
  assert.equal(await limits.admit('bob', 1000, ''), 'PUSH_MUTED');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(failures, ['bob: database away']);
  assert.equal(await limits.admit('bob', 2000, ''), 'PUSH_MUTED', 'the node keeps its copy');
  assert.equal(await limits.admit('bob', 20 * 60_000 + 1, ''), undefined, 'until the mute ends');
});

test('a streak write the database refuses is reported, never thrown: the decision stands (SECURITY A7.7)', async () => {
  const failures: string[] = [];
  const streaks = {
    misses: () => 0,
    missed: () => Promise.reject(new Error('database away')),
    approved: () => {
      throw new Error('disk full');
    },
  };
  const limits = new PushLimits(settings, {
    streaks,
    onStreakError: (error, user) => failures.push(`${user}: ${(error as Error).message}`),
  });
  await limits.noteOutcome('erin', false);
  await limits.noteOutcome('erin', true);
  assert.deepEqual(failures, ['erin: database away', 'erin: disk full']);
});

test('with a streak store numberRequired reads it: a failed read fails (the login is refused, as for any store)', async () => {
  const limits = new PushLimits(settings, {
    streaks: {
      misses: () => Promise.reject(new Error('database away')),
      missed: () => {},
      approved: () => {},
    },
  });
  await assert.rejects(Promise.resolve(limits.numberRequired('fred')), /database away/);
});
