// Issue 18 enrollment at login, as the login use case and its codes see it: when it applies, what the challenge
// says, single-use bounded codes, and the order grace → enrollment → refusal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENROLLMENT_CODE_PATTERN, EnrollmentCodes } from '../../src/auth/enrollment-codes.js';
import { createSecondFactorPolicy } from '../../src/auth/second-factor-policy.js';
import type { Decision } from '../../src/domain/decision.js';
import { authFixture, defaultSettings, login, pap } from '../support/auth-fixture.js';

test('codes: 8 unambiguous symbols, single use, expire, one open per user, bounded per user and per source', () => {
  const codes = new EnrollmentCodes(600_000);
  const t0 = 1_000_000;
  const code = (r: ReturnType<EnrollmentCodes['issue']>) => ('code' in r ? r.code : r.refused);
  const a = code(codes.issue('erin', 'txn1', '198.51.100.1', t0));
  assert.match(a, ENROLLMENT_CODE_PATTERN);
  const b = code(codes.issue('erin', 'txn2', '198.51.100.1', t0));
  assert.equal(codes.take(a, t0), undefined, 'a newer code replaces the open one');
  assert.deepEqual(codes.take(b, t0), { userName: 'erin', transactionId: 'txn2' });
  assert.equal(codes.take(b, t0), undefined, 'single use');
  const c = code(codes.issue('erin', 'txn3', '', t0));
  assert.equal(codes.take(c, t0 + 600_000), undefined, 'expired');
  codes.issue('erin', 'txn4', '', t0);
  codes.issue('erin', 'txn5', '', t0);
  assert.equal(code(codes.issue('erin', 'txn6', '', t0)), 'ENROLLMENT_LIMITED', '5 per user per hour');
  assert.match(
    code(codes.issue('erin', 'txn7', '', t0 + 3600_001)),
    ENROLLMENT_CODE_PATTERN,
    'the hour passes',
  );
  const many = new EnrollmentCodes(600_000);
  for (let i = 0; i < 30; i++)
    assert.match(code(many.issue(`u${i}`, 't', '203.0.113.9', t0)), ENROLLMENT_CODE_PATTERN);
  const limited = code(many.issue('u30', 't', '203.0.113.9', t0));
  assert.equal(limited, 'ENROLLMENT_LIMITED', '30 per source address per hour');
});

test('policy: a group set to false forbids it; a client or group set to true allows it; else the global setting', () => {
  const policy = createSecondFactorPolicy({
    ...defaultSettings,
    clients: { vpn: { enrollAtLogin: true } },
    groups: { contractors: { enrollAtLogin: false }, staff: { enrollAtLogin: true } },
  });
  assert.equal(policy.enrollAtLoginFor('other', []), false);
  assert.equal(policy.enrollAtLoginFor('vpn', []), true);
  assert.equal(policy.enrollAtLoginFor('other', ['staff']), true);
  assert.equal(policy.enrollAtLoginFor('vpn', ['staff', 'contractors']), false);
});

const link = { issue: () => ({ url: 'https://assent.test/e/TESTCODE' }) };
type Settings = NonNullable<Parameters<typeof authFixture>[0]>['settings'];
const withEnrollment = (
  settings: Settings,
  enrollment: { issue: () => { url: string } | { refused: 'ENROLLMENT_LIMITED' } } = link,
) =>
  authFixture({ settings: { requireForAll: true, enrollAtLogin: true, ...settings }, push: {}, enrollment });

test('the challenge names the link (no +); an answer before enrolling says so, and the State lives on', async () => {
  const f = withEnrollment({});
  const c = (await f.authenticate(login('bob', pap('pw')))) as Extract<Decision, { kind: 'challenge' }>;
  assert.equal(c.kind, 'challenge');
  assert.equal(
    c.text,
    'Set up sign-in approval: open https://assent.test/e/TESTCODE on your phone, then press Enter',
  );
  const early = (await f.authenticate(login('bob', pap(''), c.state))) as Extract<
    Decision,
    { kind: 'challenge' }
  >;
  assert.equal(early.kind, 'challenge');
  assert.match(early.text, /^Not set up yet: open https:\/\/assent\.test\/e\/TESTCODE/);
  f.addPushDevice('bob');
  const pushed = await f.authenticate(login('bob', pap(''), early.state));
  assert.equal(pushed.kind, 'pending', 'once a device is enrolled, the answer sends the first push');
});

test('answers before enrolling are bounded (maxCodeAttempts), then SECOND_FACTOR_MISSING', async () => {
  const f = withEnrollment({});
  let d = await f.authenticate(login('bob', pap('pw')));
  for (let i = 0; i < 2; i++) {
    assert.equal(d.kind, 'challenge');
    d = await f.authenticate(login('bob', pap(''), (d as Extract<Decision, { kind: 'challenge' }>).state));
  }
  assert.equal(d.kind, 'challenge');
  const last = await f.authenticate(
    login('bob', pap(''), (d as Extract<Decision, { kind: 'challenge' }>).state),
  );
  assert.equal(last.kind === 'reject' && last.reason, 'SECOND_FACTOR_MISSING');
});

test('grace wins while it lasts; concat mode cannot be challenged; the limits refuse with ENROLLMENT_LIMITED', async () => {
  assert.equal(
    (await withEnrollment({ graceUntil: '2999-01-01' }).authenticate(login('bob', pap('pw')))).kind,
    'accept',
  );
  const concat = await withEnrollment({ mode: 'concat' }).authenticate(login('bob', pap('pw')));
  assert.equal(concat.kind === 'reject' && concat.reason, 'SECOND_FACTOR_MISSING');
  const limited = await withEnrollment({}, { issue: () => ({ refused: 'ENROLLMENT_LIMITED' }) }).authenticate(
    login('bob', pap('pw')),
  );
  assert.equal(limited.kind === 'reject' && limited.reason, 'ENROLLMENT_LIMITED');
  const off = await withEnrollment({ enrollAtLogin: false }).authenticate(login('bob', pap('pw')));
  assert.equal(off.kind === 'reject' && off.reason, 'SECOND_FACTOR_MISSING');
  const notRequired = await withEnrollment({ requireForAll: false }).authenticate(login('bob', pap('pw')));
  assert.equal(
    notRequired.kind,
    'challenge',
    'the policy asks for enrollment even where a second factor is not yet required',
  );
});
