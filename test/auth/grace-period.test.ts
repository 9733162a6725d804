// Issue 18 grace periods: under requireForAll, a user without a second factor is let in with a reminder until the
// grace date (global or of one of their groups), then refused; users holding a token are never affected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graceDate, graceDateProblem } from '../../src/auth/second-factor-policy.js';
import type { Decision } from '../../src/domain/decision.js';
import { MemoryGraceLoginStore } from '../../src/store/memory/memory-grace-login-store.js';
import { authFixture, login, pap } from '../support/auth-fixture.js';

// The fixture's clock: 2026-11-23 12:00:10 UTC.
const reminderOf = (d: Decision) =>
  d.kind === 'accept' ? d.attributes.find((a) => a.name === 'Reply-Message')?.value : undefined;

test('inside the grace period: Access-Accept with the reminder naming the date; after it: SECOND_FACTOR_MISSING', async () => {
  const f = authFixture({ settings: { requireForAll: true, graceUntil: '2026-11-24' } });
  const inside = await f.authenticate(login('bob', pap('pw')));
  assert.equal(inside.kind, 'accept');
  assert.equal(
    reminderOf(inside),
    'Two-step sign-in is required from 2026-11-24: set up an authenticator before then',
  );
  f.clock.advance(12 * 3600_000);
  const after = await f.authenticate(login('bob', pap('pw')));
  assert.equal(
    after.kind === 'reject' && after.reason,
    'SECOND_FACTOR_MISSING',
    'the date itself is outside',
  );
});

test('a group grace period extends the global one for its members only; the latest date wins', async () => {
  const f = authFixture({
    settings: {
      requireForAll: true,
      graceUntil: '2026-11-20',
      groups: { staff: { graceUntil: '2026-12-01' }, vpn: { graceUntil: '2026-11-22' } },
    },
  });
  const bob = await f.authenticate(login('bob', pap('pw'))); // groups: staff
  assert.match(String(reminderOf(bob)), /from 2026-12-01/);
  const alice = await f.authenticate(login('alice', pap('pw'))); // groups: vpn (ended) and the global (ended)
  assert.equal(alice.kind === 'reject' && alice.reason, 'SECOND_FACTOR_MISSING');
});

test('grace changes nothing for a user holding a token, nor without requireForAll, nor for a wrong password', async () => {
  const f = authFixture({ settings: { requireForAll: true, graceUntil: '2027-01-01' } });
  f.addTotp('alice');
  assert.equal((await f.authenticate(login('alice', pap('pw')))).kind, 'challenge');
  const wrong = await f.authenticate(login('bob', pap('nope')));
  assert.equal(wrong.kind === 'reject' && wrong.reason, 'BAD_PASSWORD');
  const open = authFixture({ settings: { graceUntil: '2027-01-01' } });
  const plain = await open.authenticate(login('bob', pap('pw')));
  assert.equal(plain.kind, 'accept');
  assert.equal(reminderOf(plain), undefined, 'no reminder when a second factor is not required at all');
});

test('concat mode takes the same grace path', async () => {
  const f = authFixture({ settings: { requireForAll: true, graceUntil: '2027-01-01', mode: 'concat' } });
  assert.equal((await f.authenticate(login('bob', pap('pw')))).kind, 'accept');
});

test('graceLogins: that many sign-ins with the count left in the reminder, then refused; counted per user', async () => {
  const graceLogins = new MemoryGraceLoginStore();
  const f = authFixture({ settings: { requireForAll: true, graceLogins: 2 }, graceLogins });
  const first = await f.authenticate(login('bob', pap('pw')));
  assert.equal(
    reminderOf(first),
    'Two-step sign-in is required after 1 more sign-ins: set up an authenticator now',
  );
  assert.equal(
    reminderOf(await f.authenticate(login('bob', pap('pw')))),
    'Two-step sign-in is required after 0 more sign-ins: set up an authenticator now',
  );
  const third = await f.authenticate(login('bob', pap('pw')));
  assert.equal(third.kind === 'reject' && third.reason, 'SECOND_FACTOR_MISSING');
  assert.equal(graceLogins.used('bob'), 2, 'a refused sign-in uses nothing');
  assert.equal((await f.authenticate(login('alice', pap('pw')))).kind, 'accept', 'alice has her own count');
  const wrong = await f.authenticate(login('alice', pap('nope')));
  assert.equal(wrong.kind === 'reject' && wrong.reason, 'BAD_PASSWORD');
  assert.equal(graceLogins.used('alice'), 1, 'a wrong password uses nothing');
});

test('graceLogins with graceUntil: whichever ends first; a group may allow more', async () => {
  const graceLogins = new MemoryGraceLoginStore();
  const f = authFixture({
    settings: {
      requireForAll: true,
      graceUntil: '2026-11-24',
      graceLogins: 1,
      groups: { staff: { graceLogins: 3 } },
    },
    graceLogins,
  });
  assert.match(String(reminderOf(await f.authenticate(login('bob', pap('pw'))))), /from 2026-11-24/);
  assert.equal((await f.authenticate(login('bob', pap('pw')))).kind, 'accept', 'staff: 3 allowed');
  assert.equal((await f.authenticate(login('alice', pap('pw')))).kind, 'accept');
  const again = await f.authenticate(login('alice', pap('pw')));
  assert.equal(again.kind === 'reject' && again.reason, 'SECOND_FACTOR_MISSING', 'vpn: 1 allowed');
  f.clock.advance(24 * 3600_000);
  const late = await f.authenticate(login('bob', pap('pw')));
  assert.equal(late.kind === 'reject' && late.reason, 'SECOND_FACTOR_MISSING', 'the date ended it first');
});

test('grace dates: empty is none; a date the calendar lacks is a configuration problem', () => {
  assert.equal(graceDate(''), 0);
  assert.equal(graceDate('2027-01-15'), Date.UTC(2027, 0, 15));
  assert.equal(graceDateProblem('2027-01-15'), undefined);
  assert.equal(graceDateProblem(''), undefined);
  assert.match(String(graceDateProblem('2027-02-30')), /not a calendar date/);
});

test("a user's own grace period replaces the global and group ones: longer for one, none for another", async () => {
  const graceLogins = new MemoryGraceLoginStore();
  const f = authFixture({
    settings: { requireForAll: true, groups: { vpn: { graceLogins: 5 } } },
    graceLogins,
  });
  const at = new Date('2026-11-23T00:00:00Z');
  // bob: no global or group grace; his own date lets him in with a reminder naming it.
  assert.equal(((await f.authenticate(login('bob', pap('pw')))) as { kind: string }).kind, 'reject');
  graceLogins.setOwnGrace('bob', { until: '2999-02-01', logins: 0 }, at);
  const bob = await f.authenticate(login('bob', pap('pw')));
  assert.equal(bob.kind, 'accept');
  assert.match(String(reminderOf(bob)), /from 2999-02-01/);
  // alice's group allows 5 grace sign-ins; her own grace of none ends them at once.
  assert.equal((await f.authenticate(login('alice', pap('pw')))).kind, 'accept');
  graceLogins.setOwnGrace('alice', { until: '', logins: 0 }, at);
  const alice = await f.authenticate(login('alice', pap('pw')));
  assert.equal(alice.kind === 'reject' && alice.reason, 'SECOND_FACTOR_MISSING');
  // Removing the own grace brings the group's allowance back.
  assert.equal(graceLogins.setOwnGrace('alice', undefined, at), true);
  assert.equal((await f.authenticate(login('alice', pap('pw')))).kind, 'accept');
  assert.equal(graceLogins.setOwnGrace('alice', undefined, at), false, 'nothing left to remove');
});

test("a user's own grace counted by sign-ins uses the same counter", async () => {
  const graceLogins = new MemoryGraceLoginStore();
  const f = authFixture({ settings: { requireForAll: true }, graceLogins });
  graceLogins.setOwnGrace('bob', { until: '', logins: 1 }, new Date());
  assert.equal((await f.authenticate(login('bob', pap('pw')))).kind, 'accept');
  const second = await f.authenticate(login('bob', pap('pw')));
  assert.equal(second.kind === 'reject' && second.reason, 'SECOND_FACTOR_MISSING');
  assert.equal((await f.authenticate(login('alice', pap('pw')))).kind, 'reject', 'no global grace');
});
