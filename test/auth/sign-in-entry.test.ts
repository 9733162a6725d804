// Which decisions become sign-in history rows and what each row says (issue 18, SECURITY A13.1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTime, RECORDED_REJECTIONS, signInOf } from '../../src/auth/sign-in-entry.js';
import type { Decision } from '../../src/domain/decision.js';
import { allReasons, Reason } from '../../src/domain/reason.js';

const NOW = Date.parse('2026-12-05T10:00:00.123Z');
const TXN = '0123456789abcdef0123456789abcdef';
const octets = (s: string) => new TextEncoder().encode(s);

test('an Accept is a row: accepted, how from `via`, no reason, the time as ISO', () => {
  const decision: Decision = { kind: 'accept', user: 'alice', attributes: [], via: 'totp' };
  assert.deepEqual(signInOf(decision, 'vpn-fw1', octets('203.0.113.9'), TXN, NOW), {
    userName: 'alice',
    at: '2026-12-05T10:00:00.123Z',
    client: 'vpn-fw1',
    userIp: '203.0.113.9',
    result: 'accepted',
    how: 'totp',
    reason: '',
    txn: TXN,
  });
  const unnamed: Decision = { kind: 'accept', user: 'alice', attributes: [] };
  assert.equal(signInOf(unnamed, 'c', undefined, TXN, NOW)?.how, '', 'not guessed when no method is named');
});

test('a rejection of an existing user is a row with its reason and no how', () => {
  for (const reason of [Reason.BadPassword, Reason.CodeWrong, Reason.PushDenied, Reason.AccountLocked]) {
    const row = signInOf({ kind: 'reject', reason, user: 'alice' }, 'vpn-fw1', '198.51.100.7', TXN, NOW);
    assert.equal(row?.result, 'rejected');
    assert.equal(row?.reason, reason);
    assert.equal(row?.how, '');
    assert.equal(row?.userIp, '198.51.100.7', 'an address given as text is kept as it is');
  }
});

test('unknown names, malformed requests and foreign States are no row: nobody fills the table with invented names', () => {
  for (const reason of [
    Reason.UserUnknown,
    Reason.UserNameInvalid,
    Reason.UserPasswordMalformed,
    Reason.NoCredentials,
    Reason.ChapUnsupported,
    Reason.StateUnknown,
    Reason.StateForeign,
    Reason.RealmUnknown,
    Reason.NoToken,
    Reason.PushUnavailable,
    Reason.IdentityAmbiguous,
    Reason.DirectoryUnavailable,
    Reason.InternalError,
  ]) {
    assert.equal(
      signInOf({ kind: 'reject', reason, user: 'mallory' }, 'c', undefined, TXN, NOW),
      undefined,
      reason,
    );
  }
  assert.equal(signInOf({ kind: 'reject', reason: Reason.BadPassword }, 'c', undefined, TXN, NOW), undefined);
});

test('challenges, pending pushes and drops are no outcome yet: no row', () => {
  const decisions: Decision[] = [
    { kind: 'challenge', user: 'alice', state: new Uint8Array(16), text: 'x', transactionId: TXN },
    { kind: 'pending', user: 'alice', transactionId: TXN },
    { kind: 'drop', reason: Reason.PushAnsweredByCode },
  ];
  for (const d of decisions) assert.equal(signInOf(d, 'c', undefined, TXN, NOW), undefined, d.kind);
});

test('every reason code is decided one way or the other', () => {
  assert.deepEqual(Object.keys(RECORDED_REJECTIONS).sort(), [...allReasons].sort());
});

test('NAS-supplied text is made printable and bounded; names no user can have are no row', () => {
  const station = new Uint8Array([0x41, 0x0a, 0x42, 0xc3, 0xa9, ...octets('x'.repeat(80))]);
  const row = signInOf(
    { kind: 'accept', user: 'alice', attributes: [], via: 'push' },
    'c',
    station,
    TXN,
    NOW,
  );
  assert.ok(row !== undefined);
  assert.match(row.userIp, /^A\?B\?x+$/);
  assert.ok(row.userIp.length <= 64);
  const long = signInOf(
    { kind: 'accept', user: 'alice', attributes: [] },
    'n'.repeat(400),
    '',
    't'.repeat(99),
    NOW,
  );
  assert.equal(long?.client.length, 253);
  assert.equal(long?.txn.length, 64);
  const accept = (user: string): Decision => ({ kind: 'accept', user, attributes: [] });
  assert.equal(signInOf(accept(''), 'c', undefined, TXN, NOW), undefined);
  assert.equal(signInOf(accept('u'.repeat(254)), 'c', undefined, TXN, NOW), undefined);
});

test('isoTime is Date#toISOString, at second and millisecond edges, going back and forth', () => {
  const base = Date.parse('2026-12-31T23:59:59.000Z');
  const times = [
    base,
    base + 1,
    base + 9,
    base + 10,
    base + 99,
    base + 100,
    base + 999,
    base + 1000,
    base + 1001,
  ];
  for (const ms of [...times, ...times.reverse(), 0, 1, 999, 1000, Date.now(), Date.now() + 86_400_000, -1]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    assert.equal(isoTime(ms), new Date(ms).toISOString(), `${ms} again (cached)`);
  }
});
