// Issue 18 enrollment at login, as the login use case and its codes see it: when it applies, what the challenge
// says, bounded codes, the link's two choices, the TOTP key that is stored only by its first code, and the order
// grace → enrollment → refusal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { createEnrollAtLogin, type EnrollAtLogin } from '../../src/auth/enroll-at-login.js';
import { ENROLLMENT_CODE_PATTERN, EnrollmentCodes } from '../../src/auth/enrollment-codes.js';
import { createSecondFactorPolicy } from '../../src/auth/second-factor-policy.js';
import type { Decision } from '../../src/domain/decision.js';
import type { EnrollmentLinkStore } from '../../src/domain/enrollment-link-store.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateTotp } from '../../src/otp/totp.js';
import { MemoryEnrollmentLinkStore } from '../../src/store/memory/memory-enrollment-link-store.js';
import { authFixture, defaultSettings, type FixtureParts, login, pap } from '../support/auth-fixture.js';

test('codes: 8 unambiguous symbols, spent once, expire, one open per user, bounded per user and per source', async () => {
  const codes = new EnrollmentCodes(new MemoryEnrollmentLinkStore(), 600_000);
  const t0 = 1_000_000;
  const code = async (r: ReturnType<EnrollmentCodes['issue']>) => {
    const settled = await r;
    return 'code' in settled ? settled.code : settled.refused;
  };
  const a = await code(codes.issue('erin', 'txn1', '198.51.100.1', t0));
  assert.match(a, ENROLLMENT_CODE_PATTERN);
  const b = await code(codes.issue('erin', 'txn2', '198.51.100.1', t0));
  assert.equal(await codes.take(a, t0), undefined, 'a newer code replaces the open one');
  const open = { userName: 'erin', transactionId: 'txn2', expiresAt: t0 + 600_000 };
  assert.deepEqual(await codes.peek(b, t0), open, 'looking at a code uses nothing');
  assert.deepEqual(await codes.peek(b, t0), open);
  assert.deepEqual(await codes.take(b, t0), open);
  assert.equal(await codes.take(b, t0), undefined, 'single use');
  assert.equal(await codes.peek(b, t0), undefined);
  const c = await code(codes.issue('erin', 'txn3', '', t0));
  assert.equal(await codes.peek(c, t0 + 600_000), undefined, 'expired');
  assert.equal(await codes.take(c, t0 + 600_000), undefined, 'expired');
  await codes.issue('erin', 'txn4', '', t0);
  await codes.issue('erin', 'txn5', '', t0);
  assert.equal(await code(codes.issue('erin', 'txn6', '', t0)), 'ENROLLMENT_LIMITED', '5 per user per hour');
  assert.match(
    await code(codes.issue('erin', 'txn7', '', t0 + 3600_001)),
    ENROLLMENT_CODE_PATTERN,
    'the hour passes',
  );
  const many = new EnrollmentCodes(new MemoryEnrollmentLinkStore(), 600_000);
  for (let i = 0; i < 30; i++)
    assert.match(await code(many.issue(`u${i}`, 't', '203.0.113.9', t0)), ENROLLMENT_CODE_PATTERN);
  const limited = await code(many.issue('u30', 't', '203.0.113.9', t0));
  assert.equal(limited, 'ENROLLMENT_LIMITED', '30 per source address per hour');
});

test('codes: a pending TOTP key belongs to its code and login, ends with it, and goes when the code is spent', async () => {
  const codes = new EnrollmentCodes(new MemoryEnrollmentLinkStore(), 600_000);
  const t0 = 1_000_000;
  const totp = { secret: new Uint8Array(20).fill(7), algorithm: 'SHA1', digits: 6, period: 30 } as const;
  const issued = await codes.issue('erin', 'txn1', '', t0);
  assert.ok('code' in issued);
  assert.equal(await codes.pendingTotp('erin', 'txn1', t0), undefined);
  assert.ok(await codes.holdTotp(issued.code, totp, t0));
  const held = await codes.pendingTotp('erin', 'txn1', t0);
  assert.deepEqual(held?.totp, totp);
  assert.equal(await codes.pendingTotp('erin', 'other-login', t0), undefined, 'bound to the login');
  assert.equal(await codes.pendingTotp('frank', 'txn1', t0), undefined, 'bound to the user');
  assert.equal(await codes.pendingTotp('erin', 'txn1', t0 + 600_000), undefined, 'ends with the code');
  assert.equal(await codes.spend(held!.linkKey, t0), true);
  assert.equal(await codes.spend(held!.linkKey, t0), false, 'spent once');
  assert.equal(await codes.peek(issued.code, t0), undefined);
  assert.equal(await codes.pendingTotp('erin', 'txn1', t0), undefined);
  assert.equal(await codes.holdTotp(issued.code, totp, t0), undefined, 'nothing is kept with a spent code');
  const again = await codes.issue('erin', 'txn2', '', t0);
  assert.ok('code' in again);
  await codes.holdTotp(again.code, totp, t0);
  await codes.take(again.code, t0);
  assert.equal(
    await codes.pendingTotp('erin', 'txn2', t0),
    undefined,
    'choosing the phone drops the TOTP key',
  );
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

type Settings = NonNullable<Parameters<typeof authFixture>[0]>['settings'];
type Challenge = Extract<Decision, { kind: 'challenge' }>;

/** The login use case with the real enrollment at login over the fixture's stores; its events as log lines. */
function withEnrollment(
  settings: Settings,
  lifetimeMs = 600_000,
  links: EnrollmentLinkStore = new MemoryEnrollmentLinkStore(),
) {
  const events: string[] = [];
  let use!: EnrollAtLogin;
  const build = (parts: FixtureParts) => {
    use = createEnrollAtLogin({
      codes: new EnrollmentCodes(links, lifetimeMs),
      devices: parts.devices,
      tokens: parts.tokens,
      settings: { publicUrl: 'https://assent.test/', issuer: 'ACME: VPN', totpWindow: 1 },
      events: {
        sent: (e, client) => events.push(`sent ${e.userName} ${client}`),
        limited: (user, _txn, _client, _src, reason) => events.push(`limited ${user} ${reason}`),
        refused: (src) => events.push(`refused ${src}`),
        opened: (e) => events.push(`opened ${e.userName}`),
        chosen: (e, choice) => events.push(`chosen ${e.userName} ${choice}`),
        totpEnrolled: (e, serial) => events.push(`totp ${e.userName} ${serial}`),
      },
    });
    return use;
  };
  const f = authFixture({
    settings: { requireForAll: true, enrollAtLogin: true, ...settings },
    push: {},
    enrollment: build,
    attributes: { staff: [{ name: 'Class', value: 'staff' }] },
  });
  return { ...f, use, events };
}

const codeOf = (c: Challenge) => /\/e\/([2-9A-HJ-NP-Z]{8})/.exec(c.text)![1]!;

/** The code an app shows for the page's key at the fixture's time (`offsetSteps` steps later). */
function appCode(f: ReturnType<typeof withEnrollment>, secret: string, offsetSteps = 0): string {
  const key = decodeBase32(secret);
  assert.ok(key.ok);
  const at = f.clock.now() / 1000 + offsetSteps * 30;
  return generateTotp(key.bytes, at, { digits: 6, period: 30, algorithm: 'SHA1' });
}

async function challenged(f: ReturnType<typeof withEnrollment>, user: string): Promise<Challenge> {
  const c = await f.authenticate(login(user, pap('pw')));
  assert.equal(c.kind, 'challenge', JSON.stringify(c));
  return c as Challenge;
}

test('the challenge names the link (no +); an answer before enrolling says so, and the State lives on', async () => {
  const f = withEnrollment({});
  const c = await challenged(f, 'bob');
  assert.match(
    c.text,
    /^Set up two-step sign-in: open https:\/\/assent\.test\/e\/[2-9A-HJ-NP-Z]{8} on your phone, then press Enter or type the code of your app$/,
  );
  assert.deepEqual(f.events, ['sent bob nas']);
  const early = (await f.authenticate(login('bob', pap(''), c.state))) as Challenge;
  assert.equal(early.kind, 'challenge');
  assert.equal(early.reason, 'SECOND_FACTOR_MISSING');
  assert.match(early.text, /^Not set up yet: open https:\/\/assent\.test\/e\/[2-9A-HJ-NP-Z]{8}/);
  const chosen = await f.use.choosePhone(codeOf(c), '198.51.100.9', f.clock.now());
  assert.ok(chosen);
  f.addPushDevice('bob');
  const pushed = await f.authenticate(login('bob', pap(''), early.state));
  assert.equal(pushed.kind, 'pending', 'once a device is enrolled, the answer sends the first push');
});

test('answers before enrolling are bounded (maxCodeAttempts), then SECOND_FACTOR_MISSING; a typed code too', async () => {
  const f = withEnrollment({});
  let d: Decision = await challenged(f, 'bob');
  for (const answer of ['', '123456']) {
    assert.equal(d.kind, 'challenge');
    d = await f.authenticate(login('bob', pap(answer), (d as Challenge).state));
  }
  assert.equal(d.kind, 'challenge');
  const last = await f.authenticate(login('bob', pap('push'), (d as Challenge).state));
  assert.equal(last.kind === 'reject' && last.reason, 'SECOND_FACTOR_MISSING');
  assert.equal(f.tokens.listForUser('bob').length, 0);
});

test("the page's choices: opening uses nothing; the phone spends the link for a one-time activation; unknown links are refused", async () => {
  const f = withEnrollment({});
  const now = f.clock.now();
  const issued = await f.use.issue('bob', 'txn-page', '', 'nas', now);
  assert.ok('url' in issued);
  const code = /\/e\/(\w+)$/.exec(issued.url)![1]!;
  assert.equal(issued.url, `https://assent.test/e/${code}`, 'one slash between the public URL and the path');
  assert.equal((await f.use.open(code, '198.51.100.9', now))?.userName, 'bob');
  assert.equal(
    (await f.use.open(code.toLowerCase(), '198.51.100.9', now))?.userName,
    'bob',
    'typed in any case',
  );
  const phone = await f.use.choosePhone(code, '198.51.100.9', now);
  assert.ok(phone);
  const hash = new Uint8Array(createHash('sha256').update(phone.activationCode).digest());
  assert.equal(f.devices.takeActivation(hash, new Date(now))?.userName, 'bob', 'an activation for bob');
  assert.equal(await f.use.open(code, '198.51.100.9', now), undefined, 'the link is spent');
  assert.equal(await f.use.chooseTotp(code, '198.51.100.9', now), undefined);
  assert.equal(await f.use.choosePhone(code, '198.51.100.9', now), undefined);
  assert.equal(await f.use.open('not-a-code', '198.51.100.9', now), undefined);
  assert.equal(await f.use.open('ABCDEFGH', '198.51.100.9', now), undefined);
  assert.deepEqual(f.events.slice(1), [
    'opened bob',
    'opened bob',
    'chosen bob phone',
    'refused 198.51.100.9',
    'refused 198.51.100.9',
    'refused 198.51.100.9',
    'refused 198.51.100.9',
    'refused 198.51.100.9',
  ]);
});

test('TOTP: the first code completes the login with the group attributes and stores the token once; the code is never accepted again', async () => {
  const f = withEnrollment({});
  const c = await challenged(f, 'bob');
  const offer = await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now());
  assert.ok(offer);
  assert.match(offer.secret, /^[A-Z2-7]{32}$/, '160 bits in base32');
  assert.equal(
    offer.uri,
    `otpauth://totp/ACME%20%20VPN:bob?issuer=ACME%20%20VPN&secret=${offer.secret}&algorithm=SHA1&digits=6&period=30`,
    'a ":" in the issuer cannot be in a label',
  );
  assert.equal(f.tokens.listForUser('bob').length, 0, 'nothing is stored before the first code');
  const code = appCode(f, offer.secret);
  const accepted = await f.authenticate(login('bob', pap(code), c.state));
  assert.equal(accepted.kind, 'accept', JSON.stringify(accepted));
  assert.deepEqual(accepted.kind === 'accept' && accepted.attributes, [{ name: 'Class', value: 'staff' }]);
  const stored = f.tokens.listForUser('bob');
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.type, 'totp');
  assert.equal(
    stored[0]!.lastUsed,
    Math.floor(f.clock.now() / 30_000),
    "the code's step is recorded as used",
  );
  assert.ok(f.events.includes(`totp bob ${stored[0]!.serial}`));
  assert.equal(await f.use.open(codeOf(c), '198.51.100.9', f.clock.now()), undefined, 'the link is spent');

  // A later login: bob now holds a token, so the usual challenge; the first code is a replay.
  const next = await challenged(f, 'bob');
  assert.equal(next.text, 'Enter token code');
  const replay = (await f.authenticate(login('bob', pap(code), next.state))) as Challenge;
  assert.equal(replay.kind === 'challenge' && replay.reason, 'CODE_REPLAYED');
  f.clock.advance(30_000);
  const fresh = await f.authenticate(login('bob', pap(appCode(f, offer.secret)), replay.state));
  assert.equal(fresh.kind, 'accept');
  assert.equal(f.tokens.listForUser('bob').length, 1, 'stored once');
});

test('TOTP: a wrong code or an empty answer re-challenges with "type the code", stores nothing, and is bounded', async () => {
  const f = withEnrollment({});
  const c = await challenged(f, 'bob');
  const offer = await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now());
  assert.ok(offer);
  const wrong = (await f.authenticate(login('bob', pap('000000'), c.state))) as Challenge;
  assert.equal(wrong.kind === 'challenge' && wrong.reason, 'CODE_WRONG');
  assert.equal(wrong.text, 'Type the code your authenticator app shows');
  const empty = (await f.authenticate(login('bob', pap(''), wrong.state))) as Challenge;
  assert.equal(empty.kind === 'challenge' && empty.reason, 'SECOND_FACTOR_MISSING');
  assert.equal(empty.text, 'Type the code your authenticator app shows');
  const last = await f.authenticate(login('bob', pap('999999'), empty.state));
  assert.equal(last.kind === 'reject' && last.reason, 'CODE_WRONG', 'maxCodeAttempts (3) answers in all');
  assert.equal(f.tokens.list().length, 0, 'nothing stored');
  assert.ok(!f.events.some((e) => e.startsWith('totp ')));
});

test('TOTP: choosing again shows a new key and the first stops working', async () => {
  const f = withEnrollment({});
  const c = await challenged(f, 'bob');
  const first = (await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now()))!;
  const second = (await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now()))!;
  assert.notEqual(first.secret, second.secret);
  const old = (await f.authenticate(login('bob', pap(appCode(f, first.secret)), c.state))) as Challenge;
  assert.equal(old.kind === 'challenge' && old.reason, 'CODE_WRONG');
  const ok = await f.authenticate(login('bob', pap(appCode(f, second.secret)), old.state));
  assert.equal(ok.kind, 'accept');
});

test('TOTP: a pending key ends with its link; a right code after that stores nothing', async () => {
  const f = withEnrollment({}, 60_000);
  const c = await challenged(f, 'bob');
  const offer = (await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now()))!;
  f.clock.advance(60_000);
  const late = (await f.authenticate(login('bob', pap(appCode(f, offer.secret)), c.state))) as Challenge;
  assert.equal(late.kind === 'challenge' && late.reason, 'SECOND_FACTOR_MISSING', 'as if nothing was chosen');
  assert.match(late.text, /^Not set up yet/);
  assert.equal(f.tokens.list().length, 0);
  assert.equal(
    await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now()),
    undefined,
    'the link expired',
  );
});

test("a link is bound to its user: bob's key answered at alice's login enrolls nobody; bob's own login still can", async () => {
  const f = withEnrollment({});
  const forBob = await challenged(f, 'bob');
  const forAlice = await challenged(f, 'alice');
  const offer = (await f.use.chooseTotp(codeOf(forBob), '198.51.100.9', f.clock.now()))!;
  const code = appCode(f, offer.secret);
  const crossed = (await f.authenticate(login('alice', pap(code), forAlice.state))) as Challenge;
  assert.equal(crossed.kind === 'challenge' && crossed.reason, 'SECOND_FACTOR_MISSING');
  assert.equal(f.tokens.list().length, 0, 'nothing stored for alice or bob');
  const foreign = await f.authenticate(login('alice', pap(code), forBob.state));
  assert.equal(foreign.kind === 'reject' && foreign.reason, 'STATE_FOREIGN', "bob's State is not alice's");
  assert.equal(f.tokens.list().length, 0);
  const own = await challenged(f, 'bob');
  const again = (await f.use.chooseTotp(codeOf(own), '198.51.100.9', f.clock.now()))!;
  const ok = await f.authenticate(login('bob', pap(appCode(f, again.secret)), own.state));
  assert.equal(ok.kind, 'accept');
  assert.deepEqual(
    f.tokens.list().map((t) => t.userName),
    ['bob'],
  );
});

test('a flood of logins is refused as ENROLLMENT_LIMITED (5 links per user an hour), nothing enrolled', async () => {
  const f = withEnrollment({});
  for (let i = 0; i < 5; i++) await challenged(f, 'bob');
  const limited = await f.authenticate(login('bob', pap('pw')));
  assert.equal(limited.kind === 'reject' && limited.reason, 'ENROLLMENT_LIMITED');
  assert.ok(f.events.includes('limited bob ENROLLMENT_LIMITED'));
  assert.equal(f.tokens.list().length + f.devices.list().length, 0);
});

test('grace wins while it lasts; concat mode cannot be challenged; enrollment can be off', async () => {
  assert.equal(
    (await withEnrollment({ graceUntil: '2999-01-01' }).authenticate(login('bob', pap('pw')))).kind,
    'accept',
  );
  const concat = await withEnrollment({ mode: 'concat' }).authenticate(login('bob', pap('pw')));
  assert.equal(concat.kind === 'reject' && concat.reason, 'SECOND_FACTOR_MISSING');
  const off = await withEnrollment({ enrollAtLogin: false }).authenticate(login('bob', pap('pw')));
  assert.equal(off.kind === 'reject' && off.reason, 'SECOND_FACTOR_MISSING');
  const notRequired = await withEnrollment({ requireForAll: false }).authenticate(login('bob', pap('pw')));
  assert.equal(
    notRequired.kind,
    'challenge',
    'the policy asks for enrollment even where a second factor is not yet required',
  );
});

test('a links table that cannot be read or written: the login is refused as INTERNAL_ERROR, nothing stored', async () => {
  const down = (): never => {
    throw new StoreError(StoreErrorCode.Unavailable, 'the links table failed (ECONNREFUSED)');
  };
  const memory = new MemoryEnrollmentLinkStore();
  let writes = false;
  let reads = true;
  const flaky: EnrollmentLinkStore = {
    issue: (link, bounds) => (writes ? memory.issue(link, bounds) : down()),
    peek: (key, now) => memory.peek(key, now),
    take: (key, now) => memory.take(key, now),
    holdTotp: (key, secret, now) => memory.holdTotp(key, secret, now),
    pendingTotp: async (user, txn, now) => (reads ? memory.pendingTotp(user, txn, now) : down()),
    sweep: (now, windowMs) => memory.sweep(now, windowMs),
  };
  const f = withEnrollment({}, 600_000, flaky);
  const refused = await f.authenticate(login('bob', pap('pw')));
  assert.equal(refused.kind === 'reject' && refused.reason, 'INTERNAL_ERROR', 'no link could be issued');
  writes = true;
  const c = await challenged(f, 'bob');
  const offer = (await f.use.chooseTotp(codeOf(c), '198.51.100.9', f.clock.now()))!;
  reads = false;
  const failed = await f.authenticate(login('bob', pap(appCode(f, offer.secret)), c.state));
  assert.equal(failed.kind === 'reject' && failed.reason, 'INTERNAL_ERROR');
  assert.equal(f.tokens.list().length, 0);
});
