// The portal's session table (SECURITY A12.2): 256-bit ids kept as SHA-256 only, idle, absolute and second-factor
// deadlines, a new id at sign-in, bounded memory; and the constant-time comparison of CSRF tokens.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  PortalSessions,
  SECOND_FACTOR_STAGE_MS,
  SESSION_ID_PATTERN,
  sameSecret,
} from '../../src/auth/portal-sessions.js';

const MINUTE = 60_000;
const fields = { user: 'alice', groups: [], txn: 't1', methods: ['code'] as const, enrollOnly: false };

test('an id is 256 random bits in base64url; only its SHA-256 is held', () => {
  const sessions = new PortalSessions({ idleMs: 15 * MINUTE, absoluteMs: 480 * MINUTE });
  const { id, session } = sessions.open(fields, 0);
  assert.match(id, SESSION_ID_PATTERN);
  assert.equal(Buffer.from(id, 'base64url').length, 32);
  assert.equal(session.key, createHash('sha256').update(id).digest('base64url'));
  assert.ok(!JSON.stringify(session).includes(id), 'the id itself is nowhere in the session');
  assert.notEqual(sessions.open(fields, 0).id, id);
  assert.match(session.csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(session.stage, 'second-factor');
  assert.deepEqual(sessions.find(id, 1), { kind: 'found', session });
  assert.deepEqual(sessions.find(session.key, 1), { kind: 'none' }, 'the stored hash is no cookie');
  assert.deepEqual(sessions.find('short', 1), { kind: 'none' });
  assert.deepEqual(sessions.find(undefined, 1), { kind: 'none' });
});

test('idle, absolute and second-factor deadlines; an expired session is told once, then unknown', () => {
  const sessions = new PortalSessions({ idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const pending = sessions.open(fields, 0);
  assert.equal(sessions.find(pending.id, SECOND_FACTOR_STAGE_MS - 1).kind, 'found');
  assert.equal(sessions.find(pending.id, SECOND_FACTOR_STAGE_MS).kind, 'expired');
  assert.equal(sessions.find(pending.id, SECOND_FACTOR_STAGE_MS).kind, 'none');

  const busy = sessions.open({ ...fields, how: 'totp' }, 0);
  for (let at = 10 * MINUTE; at < 60 * MINUTE; at += 10 * MINUTE) {
    assert.equal(sessions.find(busy.id, at).kind, 'found', `minute ${at / MINUTE}`);
  }
  assert.equal(sessions.find(busy.id, 60 * MINUTE).kind, 'expired', 'however busy');
  assert.equal(sessions.expiresAt(busy.session), 60 * MINUTE);

  const idle = sessions.open({ ...fields, how: 'totp' }, 0);
  assert.equal(sessions.find(idle.id, 15 * MINUTE).kind, 'expired');
});

test('signing in replaces the id: the old one stops working, the session and its CSRF token stay', () => {
  const sessions = new PortalSessions({ idleMs: 15 * MINUTE, absoluteMs: 60 * MINUTE });
  const { id, session } = sessions.open(fields, 0);
  const csrf = session.csrf;
  const fresh = sessions.signIn(session, 'push', 1000);
  assert.notEqual(fresh, id);
  assert.equal(sessions.find(id, 2000).kind, 'none');
  const found = sessions.find(fresh, 2000);
  assert.equal(found.kind === 'found' && found.session, session);
  assert.equal(session.stage, 'signed-in');
  assert.equal(session.how, 'push');
  assert.equal(session.csrf, csrf);
  assert.equal(sessions.find(fresh, SECOND_FACTOR_STAGE_MS + 1000).kind, 'found', 'no stage deadline now');
  sessions.end(session);
  assert.equal(sessions.holds(session), false);
  assert.equal(sessions.find(fresh, 3000).kind, 'none');
});

test('at most maxSessions are held: the oldest goes; a sweep forgets the expired', () => {
  const sessions = new PortalSessions({ idleMs: MINUTE, absoluteMs: 10 * MINUTE, maxSessions: 2 });
  const a = sessions.open(fields, 0);
  const b = sessions.open(fields, 0);
  const c = sessions.open(fields, 0);
  assert.equal(sessions.size, 2);
  assert.equal(sessions.find(a.id, 1).kind, 'none');
  assert.equal(sessions.find(b.id, 1).kind, 'found');
  assert.equal(sessions.sweep(2 * MINUTE), 2);
  assert.equal(sessions.size, 0);
  assert.equal(sessions.find(c.id, 2 * MINUTE).kind, 'none');
});

test('sameSecret compares in constant time and never equates different lengths', () => {
  assert.equal(sameSecret('abc', 'abc'), true);
  assert.equal(sameSecret('abc', 'abd'), false);
  assert.equal(sameSecret('abc', 'abcd'), false);
  assert.equal(sameSecret('', ''), true);
});
