// The State table: expiry, the bounded memory of finished States, and eviction at the session cap (SECURITY A4).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryChallengeStore } from '../../src/store/memory/memory-challenge-store.js';

const identity = { name: 'alice', groups: [], source: 'local' };
let opened = 0;
const challenge = (typedName: string) => ({
  transactionId: `t${++opened}`,
  clientName: 'nas',
  typedName,
  identity,
  number: '',
  enrollUrl: '',
  userIp: '',
});

test('expired sessions leave the table when new ones open; their States then read as expired or unknown', () => {
  const sessions = new MemoryChallengeStore(1000);
  const old = sessions.open(challenge('alice'), 0);
  sessions.open(challenge('alice'), 2000);
  assert.equal(sessions.size, 1, 'the expired one was swept');
  assert.equal(sessions.take(old.state, 'nas', 'alice', 2000).ok, false);
});

test('many logins in a row keep the tables bounded: live sessions end, finished States are forgotten in order', () => {
  const sessions = new MemoryChallengeStore(120_000);
  let now = 0;
  for (let i = 0; i < 60_000; i++) {
    const session = sessions.open(challenge('alice'), now);
    assert.ok(sessions.take(session.state, 'nas', 'alice', now).ok);
    sessions.end(session, now);
    now += 1;
  }
  assert.equal(sessions.size, 0);
  const last = sessions.open(challenge('alice'), now);
  sessions.end(last, now);
  assert.equal(sessions.take(last.state, 'nas', 'alice', now).ok, false);
  assert.equal(
    (sessions.take(last.state, 'nas', 'alice', now) as { reason: string }).reason,
    'STATE_USED',
    'a recent finished State is still recognised',
  );
});

test('at the session cap the oldest live session is dropped, never the new one', () => {
  const sessions = new MemoryChallengeStore(120_000, 3);
  const first = sessions.open(challenge('alice'), 0);
  for (let i = 1; i <= 3; i++) sessions.open(challenge('alice'), i);
  assert.equal(sessions.size, 3);
  assert.equal(sessions.take(first.state, 'nas', 'alice', 4).ok, false);
});

test('a rechallenge moves the session to a new State; the old one is finished', () => {
  const sessions = new MemoryChallengeStore(120_000);
  const session = sessions.open(challenge('alice'), 0);
  const before = session.state;
  sessions.rechallenge(session, 1);
  assert.notDeepEqual(session.state, before);
  assert.equal(sessions.take(before, 'nas', 'alice', 2).ok, false);
  assert.ok(sessions.take(session.state, 'nas', 'alice', 2).ok);
});

test('a State that shares the lookup key but differs in any later octet is unknown and leaves the session alive', () => {
  const sessions = new MemoryChallengeStore(120_000);
  const session = sessions.open(challenge('alice'), 0);
  for (const index of [4, 15]) {
    const forged = Uint8Array.from(session.state);
    forged[index]! ^= 0x01;
    const taken = sessions.take(forged, 'nas', 'alice', 1);
    assert.equal(taken.ok, false);
    assert.equal((taken as { reason: string }).reason, 'STATE_UNKNOWN');
  }
  assert.ok(sessions.take(session.state, 'nas', 'alice', 1).ok, 'the real State still works');
  sessions.end(session, 2);
  const forged = Uint8Array.from(session.state);
  forged[9]! ^= 0x80;
  assert.equal((sessions.take(forged, 'nas', 'alice', 3) as { reason: string }).reason, 'STATE_UNKNOWN');
  assert.equal((sessions.take(session.state, 'nas', 'alice', 3) as { reason: string }).reason, 'STATE_USED');
});

test('an expired session is only expired by its own queue entry, whatever happened to its key since', () => {
  const sessions = new MemoryChallengeStore(1000);
  const first = sessions.open(challenge('alice'), 0);
  sessions.rechallenge(first, 500);
  // Both queue entries carry the first deadline (1000); the rechallenged State still works until then.
  assert.ok(sessions.take(first.state, 'nas', 'alice', 999).ok);
  sessions.open(challenge('bob'), 1001);
  assert.equal(sessions.size, 1, 'only the new session is live');
  assert.equal((sessions.take(first.state, 'nas', 'alice', 1002) as { reason: string }).reason, 'STATE_USED');
});
