// The portal's sessions (SECURITY A12.2): 256-bit ids kept as SHA-256 only, idle, absolute and second-factor
// deadlines, a new id at sign-in, a bounded table, a CSRF token derived and never stored, lastSeenAt written at most
// once a minute; and the constant-time comparison of CSRF tokens.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  PortalSessions,
  SECOND_FACTOR_STAGE_MS,
  SESSION_ID_PATTERN,
  sameSecret,
  TOUCH_EVERY_MS,
} from '../../src/auth/portal-sessions.js';
import { MemoryPortalSessionStore } from '../../src/store/memory/memory-portal-session-store.js';

const MINUTE = 60_000;
const fields = { user: 'alice', groups: [], txn: 't1', methods: ['code'] as const, enrollOnly: false };
const make = (settings: { idleMs: number; absoluteMs: number; maxSessions?: number }) => {
  const store = new MemoryPortalSessionStore();
  return { store, sessions: new PortalSessions(store, settings) };
};

test('an id is 256 random bits in base64url; only its SHA-256 is stored, and no CSRF token', async () => {
  const { store, sessions } = make({ idleMs: 15 * MINUTE, absoluteMs: 480 * MINUTE });
  const { id, session } = await sessions.open(fields, 0);
  assert.match(id, SESSION_ID_PATTERN);
  assert.equal(Buffer.from(id, 'base64url').length, 32);
  assert.equal(session.key, createHash('sha256').update(id).digest('base64url'));
  assert.ok(!JSON.stringify(session).includes(id), 'the id itself is nowhere in the session');
  const stored = JSON.stringify(store.find(session.key));
  assert.ok(!stored.includes(session.csrf), 'the CSRF token is not in the table');
  assert.notEqual((await sessions.open(fields, 0)).id, id);
  assert.match(session.csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(session.stage, 'second-factor');
  assert.deepEqual(await sessions.find(id, 1), { kind: 'found', session });
  assert.deepEqual(await sessions.find(session.key, 1), { kind: 'none' }, 'the stored hash is no cookie');
  assert.deepEqual(await sessions.find('short', 1), { kind: 'none' });
  assert.deepEqual(await sessions.find(undefined, 1), { kind: 'none' });
});

test('the CSRF token is derived from the id: the same on every node, different for every id', async () => {
  const store = new MemoryPortalSessionStore();
  const nodeA = new PortalSessions(store, { idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const nodeB = new PortalSessions(store, { idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const { id, session } = await nodeA.open(fields, 0);
  const found = await nodeB.find(id, 1);
  assert.equal(found.kind === 'found' && found.session.csrf, session.csrf);
  assert.notEqual((await nodeA.open(fields, 0)).session.csrf, session.csrf);
});

test('idle, absolute and second-factor deadlines; an expired session is told once, then unknown', async () => {
  const { sessions } = make({ idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const pending = await sessions.open(fields, 0);
  assert.equal((await sessions.find(pending.id, SECOND_FACTOR_STAGE_MS - 1)).kind, 'found');
  assert.equal((await sessions.find(pending.id, SECOND_FACTOR_STAGE_MS)).kind, 'expired');
  assert.equal((await sessions.find(pending.id, SECOND_FACTOR_STAGE_MS)).kind, 'none');

  const busy = await sessions.open({ ...fields, how: 'totp' }, 0);
  for (let at = 10 * MINUTE; at < 60 * MINUTE; at += 10 * MINUTE) {
    assert.equal((await sessions.find(busy.id, at)).kind, 'found', `minute ${at / MINUTE}`);
  }
  assert.equal((await sessions.find(busy.id, 60 * MINUTE)).kind, 'expired', 'however busy');
  assert.equal(sessions.expiresAt(busy.session), 60 * MINUTE);

  const idle = await sessions.open({ ...fields, how: 'totp' }, 0);
  assert.equal((await sessions.find(idle.id, 15 * MINUTE)).kind, 'expired');
});

test('lastSeenAt is written at most once a minute, so idleness is counted to the minute', async () => {
  const { store, sessions } = make({ idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const { id, session } = await sessions.open({ ...fields, how: 'totp' }, 0);
  await sessions.find(id, TOUCH_EVERY_MS - 1);
  assert.equal(store.find(session.key)?.lastSeenAt, 0, 'no write within the minute');
  await sessions.find(id, TOUCH_EVERY_MS);
  assert.equal(store.find(session.key)?.lastSeenAt, TOUCH_EVERY_MS);
  // Requests every 59 s keep it alive however long (until the absolute deadline).
  for (let at = TOUCH_EVERY_MS; at < 40 * MINUTE; at += 59_000) {
    assert.equal((await sessions.find(id, at)).kind, 'found', `at ${at}`);
  }
});

test('signing in replaces the id and the CSRF token: the old ones stop working, once', async () => {
  const { sessions } = make({ idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const { id, session } = await sessions.open(fields, 0);
  const signed = await sessions.signIn(session, 'push', 1000);
  assert.ok(signed !== undefined);
  assert.notEqual(signed.id, id);
  assert.notEqual(signed.session.csrf, session.csrf);
  assert.equal(
    await sessions.signIn(session, 'totp', 1000),
    undefined,
    'a second sign-in of the old id loses',
  );
  assert.equal((await sessions.find(id, 2000)).kind, 'none');
  const found = await sessions.find(signed.id, 2000);
  assert.ok(found.kind === 'found');
  assert.equal(found.session.stage, 'signed-in');
  assert.equal(found.session.how, 'push');
  assert.equal(found.session.csrf, signed.session.csrf);
  assert.equal(
    (await sessions.find(signed.id, SECOND_FACTOR_STAGE_MS + 1000)).kind,
    'found',
    'no stage deadline',
  );
  await sessions.end(found.session);
  assert.equal(await sessions.current(found.session), undefined);
  assert.equal((await sessions.find(signed.id, 3000)).kind, 'none');
});

test('at most maxSessions are held: the oldest goes; a sweep forgets the expired', async () => {
  const { sessions } = make({ idleMs: MINUTE, absoluteMs: 10 * MINUTE, maxSessions: 2 });
  const a = await sessions.open(fields, 0);
  const b = await sessions.open(fields, 0);
  const c = await sessions.open(fields, 0);
  assert.equal(await sessions.size(), 2);
  assert.equal((await sessions.find(a.id, 1)).kind, 'none');
  assert.equal((await sessions.find(b.id, 1)).kind, 'found');
  assert.equal(await sessions.sweep(2 * MINUTE), 2);
  assert.equal(await sessions.size(), 0);
  assert.equal((await sessions.find(c.id, 2 * MINUTE)).kind, 'none');
});

test('sameSecret compares in constant time and never equates different lengths', () => {
  assert.equal(sameSecret('abc', 'abc'), true);
  assert.equal(sameSecret('abc', 'abd'), false);
  assert.equal(sameSecret('abc', 'abcd'), false);
  assert.equal(sameSecret('', ''), true);
});
