// Reading a user's sign-ins and reporting one as "this wasn't me" (issue 18; the mute is SECURITY A7.8's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSignInHistory } from '../../src/auth/sign-in-history.js';
import type { NewSignIn } from '../../src/domain/sign-in.js';
import { MemorySignInStore } from '../../src/store/memory/memory-sign-in-store.js';

const NOW = Date.parse('2026-12-05T10:00:00.000Z');
const row = (userName: string, txn: string): NewSignIn => ({
  userName,
  at: '2026-12-05T09:59:00.000Z',
  client: 'vpn-fw1',
  userIp: '203.0.113.9',
  result: 'accepted',
  how: 'push',
  reason: '',
  txn,
});

function setup() {
  const store = new MemorySignInStore();
  const muted: [string, number][] = [];
  let flushes = 0;
  const history = createSignInHistory({
    store,
    flush: () => {
      flushes++;
    },
    mute: (user, now) => {
      muted.push([user, now]);
      return new Date(now + 20 * 60_000).toISOString();
    },
    now: () => NOW,
  });
  store.append([row('alice', 'a1'), row('bob', 'b1')]);
  const idOf = (user: string) => store.recent(user, 1)[0]!.id;
  return { store, history, muted, idOf, flushes: () => flushes };
}

test('list writes what the recorder holds first, then reads newest first', async () => {
  const s = setup();
  assert.deepEqual(
    (await s.history.list('alice', 20)).map((x) => x.txn),
    ['a1'],
  );
  assert.equal(s.flushes(), 1);
});

test('"this wasn\'t me" marks the sign-in and mutes pushes to its user; again: mutes again, not marked twice', async () => {
  const s = setup();
  const id = s.idOf('alice');
  const done = await s.history.notMe('alice', id);
  assert.ok(done !== undefined);
  assert.equal(done.marked, true);
  assert.equal(done.signIn.notMeAt, '2026-12-05T10:00:00.000Z');
  assert.equal(done.signIn.txn, 'a1');
  assert.equal(done.mutedUntil, '2026-12-05T10:20:00.000Z');
  assert.deepEqual(s.muted, [['alice', NOW]]);
  const again = await s.history.notMe('alice', id);
  assert.equal(again?.marked, false);
  assert.equal(s.muted.length, 2);
});

test("an unknown id, or another user's sign-in, is not found and mutes nobody", async () => {
  const s = setup();
  assert.equal(await s.history.notMe('alice', s.idOf('bob')), undefined);
  assert.equal(await s.history.notMe('alice', 9999), undefined);
  assert.deepEqual(s.muted, []);
  assert.equal(s.store.get(s.idOf('bob'))?.notMeAt, null);
});
