// The portal's sign-in (docs/self-service.md, SECURITY A12): password then code (oathtool's) or push (answered
// through the device route), one 401 for every failure, the per-address limit, CSRF and Origin, the cookie, the
// timeouts on an injected clock, and sign-out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeBase32 } from '../../../src/otp/base32.js';
import { newSeed, type PortalSite, startPortalSite } from '../../support/portal-site.js';
import { runPeer } from '../../support/run-peer.js';

let site: PortalSite;
const aliceSeed = newSeed();
const carolSeed = newSeed();

/** oathtool's code for `seed` at the site's clock (RFC 6238 with an independent implementation). */
async function oath(seed: Uint8Array): Promise<string> {
  const at = Math.floor(site.clock.now() / 1000);
  const r = await runPeer('oathtool', ['--totp', '-b', encodeBase32(seed), '-N', `@${at}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

const totp = (serial: string, userName: string, secret: Uint8Array) =>
  ({ serial, userName, type: 'totp', secret, algorithm: 'SHA1', digits: 6, period: 30 }) as const;

before(async () => {
  site = await startPortalSite({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'bob', password: 'bob-pw', groups: ['staff'] },
      { name: 'carol', password: 'carol-pw' },
      { name: 'dave', password: 'dave-pw' },
      { name: 'erin', password: 'erin-pw', status: 'disabled' },
      { name: 'frank', password: 'frank-pw', groups: ['contractors'] },
      { name: 'gina', password: 'gina-pw' },
      // One user each for the tests below that sign in on the password alone, so none changes another's state.
      ...['hank', 'ivy', 'jack', 'kim', 'lee'].map((name) => ({ name, password: `${name}-pw` })),
    ],
    tokens: [
      totp('T-alice', 'alice', aliceSeed),
      totp('T-carol', 'carol', carolSeed),
      totp('T-dave', 'dave', newSeed()),
      totp('T-gina', 'gina', newSeed()),
    ],
    config: {
      secondFactor: { groups: { contractors: { enrollAtLogin: false } } },
      portal: { idleMinutes: 15, sessionMinutes: 60 },
    },
  });
});
after(() => site?.close());

test('password then an oathtool code: second-factor, then signed-in under a new cookie (SECURITY A12.2)', async () => {
  const b = site.browser('198.51.100.1');
  const first = await site.signIn(b, 'alice', 'alice-pw');
  assert.equal(first.statusCode, 200, first.body);
  const stage = first.json() as { state: string; user: string; methods: string[]; csrf: string };
  assert.deepEqual(
    { ...stage, csrf: typeof stage.csrf },
    {
      state: 'second-factor',
      user: 'alice',
      methods: ['code'],
      csrf: 'string',
    },
  );
  assert.match(stage.csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(first.headers['cache-control'], 'no-store');
  const cookieBefore = b.cookie;
  assert.match(cookieBefore ?? '', /^__Host-assent-my=[A-Za-z0-9_-]{43}$/);
  const devicesTooEarly = await site.call(b, 'GET', '/devices');
  assert.equal(devicesTooEarly.statusCode, 401, 'the second-factor stage holds no rights');
  assert.equal(devicesTooEarly.json().error, 'signed_out');

  const done = await site.call(b, 'POST', '/second-factor/code', { code: await oath(aliceSeed) });
  assert.equal(done.statusCode, 200, done.body);
  const session = done.json() as Record<string, unknown>;
  assert.equal(session.state, 'signed-in');
  assert.equal(session.how, 'totp');
  assert.equal(session.enrollOnly, false);
  assert.equal(session.idleMinutes, 15);
  assert.notEqual(session.csrf, stage.csrf, 'a new CSRF token with the new id (derived from it, A12.3)');
  assert.equal(session.csrf, b.csrf);
  assert.equal(Date.parse(String(session.expiresAt)), site.clock.now() + 60 * 60_000);
  assert.notEqual(b.cookie, cookieBefore, 'a new session id once signed in');
  const old = await site.call({ ...b, cookie: cookieBefore }, 'GET', '/session');
  assert.deepEqual(old.json(), { state: 'signed-out' }, 'the id from before sign-in is worth nothing now');
  assert.equal((await site.call(b, 'GET', '/devices')).statusCode, 200);

  const audit = site.logs.find((l) => l.event === 'audit.portal_signed_in' && l.user === 'alice');
  assert.equal(audit?.src, '198.51.100.1');
  assert.equal(audit?.how, 'totp');
  const row = site.signIns.rows.find((r) => r.userName === 'alice' && r.result === 'accepted');
  assert.deepEqual(
    { client: row?.client, userIp: row?.userIp, how: row?.how, txn: row?.txn },
    { client: 'portal', userIp: '198.51.100.1', how: 'totp', txn: audit?.txn },
  );
});

test('the same code twice is a replay (A6.4); five wrong codes end the sign-in', async () => {
  const b = site.browser('198.51.100.2');
  await site.signIn(b, 'carol', 'carol-pw');
  const code = await oath(carolSeed);
  assert.equal((await site.call(b, 'POST', '/second-factor/code', { code })).statusCode, 200);
  const again = site.browser('198.51.100.2');
  await site.signIn(again, 'carol', 'carol-pw');
  const replay = await site.call(again, 'POST', '/second-factor/code', { code });
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json().error, 'code_wrong');
  for (let i = 0; i < 3; i++) {
    const wrong = await site.call(again, 'POST', '/second-factor/code', { code: '000000' });
    assert.equal(wrong.json().error, 'code_wrong');
  }
  const last = await site.call(again, 'POST', '/second-factor/code', { code: '000000' });
  assert.equal(last.statusCode, 401);
  assert.equal(last.json().error, 'signed_out');
  assert.match(String(last.headers['set-cookie']), /Max-Age=0/);
  assert.deepEqual((await site.call(again, 'GET', '/session')).json(), { state: 'signed-out' });
  const rejected = site.signIns.rows.filter((r) => r.userName === 'carol' && r.result === 'rejected');
  assert.equal(rejected.length, 1, 'the ended sign-in is one rejected entry');
  assert.equal(rejected[0]?.reason, 'CODE_WRONG');
});

test('wrong password, unknown user, locked, disabled, no second factor where forbidden: one identical 401 (A12.1)', async () => {
  site.lockouts.lock('dave', new Date(site.clock.now() + 600_000).toISOString());
  const attempts = [
    ['alice', 'wrong'],
    ['nobody', 'whatever'],
    ['dave', 'dave-pw'],
    ['erin', 'erin-pw'],
    ['frank', 'frank-pw'],
  ] as const;
  const answers = [];
  for (const [user, password] of attempts) {
    const r = await site.signIn(site.browser('198.51.100.3'), user, password);
    answers.push({ status: r.statusCode, body: r.body, cookie: r.headers['set-cookie'] });
  }
  for (const a of answers) assert.deepEqual(a, answers[0]);
  assert.equal(answers[0]?.status, 401);
  assert.deepEqual(JSON.parse(answers[0]!.body), {
    error: 'sign_in_failed',
    message: 'The name or password is not right, or the account cannot sign in now.',
  });
  const reasons = site.logs
    .filter((l) => l.event === 'portal.sign_in_refused')
    .map((l) => [l.user, l.reason]);
  assert.deepEqual(reasons.slice(-5), [
    ['alice', 'BAD_PASSWORD'],
    ['nobody', 'USER_UNKNOWN'],
    ['dave', 'ACCOUNT_LOCKED'],
    ['erin', 'USER_DISABLED'],
    ['frank', 'SECOND_FACTOR_MISSING'],
  ]);
  assert.ok(!JSON.stringify(site.logs).includes('dave-pw'), 'no password in any log line');
});

test('a user without a second factor signs in on the password alone, to enrol only (enrollOnly)', async () => {
  const b = site.browser('198.51.100.4');
  const r = await site.signIn(b, 'bob', 'bob-pw');
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().state, 'signed-in');
  assert.equal(r.json().enrollOnly, true);
  assert.equal(r.json().how, 'password');
  assert.equal(site.signIns.rows.at(-1)?.how, 'password');
});

test('more than 10 sign-ins a minute from one address: 429 with Retry-After (A12.4)', async () => {
  const b = site.browser('198.51.100.5');
  for (let i = 0; i < 10; i++) assert.equal((await site.signIn(b, 'alice', 'nope')).statusCode, 401);
  const limited = await site.signIn(b, 'alice', 'alice-pw');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().error, 'too_many_requests');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  assert.equal((await site.signIn(site.browser('198.51.100.6'), 'bob', 'bob-pw')).statusCode, 200);
});

test('CSRF: a change without the token, with a wrong one or from a foreign Origin is 403 (A12.3)', async () => {
  const b = site.browser('198.51.100.7');
  await site.signIn(b, 'hank', 'hank-pw');
  const body = {};
  const missing = await site.call({ ...b, csrf: undefined }, 'POST', '/backup-codes', body);
  // Another last character: a token that already ended in `A` (1 run in 64) was sent unchanged before.
  const tampered = `${b.csrf!.slice(0, -1)}${b.csrf!.endsWith('A') ? 'B' : 'A'}`;
  const wrong = await site.call({ ...b, csrf: tampered }, 'POST', '/backup-codes', body);
  const foreign = await site.call(b, 'POST', '/backup-codes', body, { origin: 'https://evil.example' });
  const sibling = await site.call(b, 'POST', '/backup-codes', body, { 'sec-fetch-site': 'same-site' });
  for (const r of [missing, wrong, foreign, sibling]) {
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().error, 'csrf');
  }
  assert.equal(site.tokens.listForUser('hank').length, 0, 'nothing was made');
  const signInFromElsewhere = await site.call(
    site.browser('198.51.100.7'),
    'POST',
    '/sign-in',
    {
      username: 'hank',
      password: 'hank-pw',
    },
    { origin: 'https://evil.example' },
  );
  assert.equal(signInFromElsewhere.statusCode, 403);
  const form = await site.app.inject({
    method: 'POST',
    url: '/my/api/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'portal.test:4433' },
    payload: 'username=hank&password=hank-pw',
  });
  assert.equal(form.statusCode, 415, 'a cross-site form cannot sign in');
  const preflight = await site.app.inject({ method: 'OPTIONS', url: '/my/api/sign-in' });
  assert.notEqual(preflight.headers['access-control-allow-origin'], '*', 'no CORS for the portal');
  assert.equal(
    (await site.call(b, 'POST', '/backup-codes', body)).statusCode,
    201,
    'with the token it works',
  );
  assert.ok(site.logs.some((l) => l.event === 'portal.csrf_refused' && l.why === 'origin'));
});

test('the cookie is __Host-, HttpOnly, Secure, SameSite=Strict, Path=/ (A12.3)', async () => {
  const b = site.browser('198.51.100.8');
  await site.signIn(b, 'ivy', 'ivy-pw');
  const line = b.setCookies[0]!;
  assert.match(line, /^__Host-assent-my=[A-Za-z0-9_-]{43}; /);
  for (const attribute of ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict']) {
    assert.ok(line.split('; ').includes(attribute), `${attribute} in ${line}`);
  }
  assert.doesNotMatch(line, /Domain=|Max-Age|Expires/i, 'a session cookie for this host only');
});

test('idle and absolute timeouts end a session; the answer says so (injected clock)', async () => {
  const idle = site.browser('198.51.100.9');
  await site.signIn(idle, 'jack', 'jack-pw');
  site.clock.advance(14 * 60_000);
  assert.equal((await site.call(idle, 'GET', '/devices')).statusCode, 200, 'used within 15 minutes');
  site.clock.advance(15 * 60_000);
  const ended = await site.call(idle, 'GET', '/devices');
  assert.equal(ended.statusCode, 401);
  assert.deepEqual(ended.json(), { error: 'signed_out', message: 'Your session ended; sign in again.' });

  const busy = site.browser('198.51.100.10');
  await site.signIn(busy, 'jack', 'jack-pw');
  for (let i = 0; i < 5; i++) {
    site.clock.advance(10 * 60_000);
    assert.equal((await site.call(busy, 'GET', '/devices')).statusCode, 200, `minute ${(i + 1) * 10}`);
  }
  site.clock.advance(10 * 60_000);
  assert.equal(
    (await site.call(busy, 'GET', '/devices')).json().message,
    'Your session ended; sign in again.',
  );

  const slow = site.browser('198.51.100.11');
  await site.signIn(slow, 'gina', 'gina-pw');
  site.clock.advance(5 * 60_000);
  const late = await site.call(slow, 'POST', '/second-factor/code', { code: '123456' });
  assert.equal(late.json().error, 'signed_out', 'the second-factor stage lasts 5 minutes');
});

test('sign-out ends the session and clears the cookie; it needs the CSRF token', async () => {
  const b = site.browser('198.51.100.12');
  await site.signIn(b, 'kim', 'kim-pw');
  assert.equal((await site.call({ ...b, csrf: undefined }, 'POST', '/sign-out', {})).statusCode, 403);
  const out = await site.call({ ...b }, 'POST', '/sign-out', {});
  assert.equal(out.statusCode, 204);
  assert.match(String(out.headers['set-cookie']), /^__Host-assent-my=; .*Max-Age=0/);
  const after = await site.app.inject({
    url: '/my/api/devices',
    headers: { cookie: b.cookie ?? '', host: 'portal.test:4433' },
  });
  assert.equal(after.statusCode, 401);
  assert.ok(site.logs.some((l) => l.event === 'audit.portal_signed_out' && l.user === 'kim'));
});

test('push: approved on the device (through the device route), the portal signs in; denied is push_denied', async () => {
  const lee = site.browser('198.51.100.13');
  await site.signIn(lee, 'lee', 'lee-pw');
  const activation = (await site.call(lee, 'POST', '/devices/push', { label: "lee's phone" })).json();
  const device = await site.enrollDevice(activation.activationUrl);
  await site.call(lee, 'POST', '/sign-out', {});

  const b = site.browser('198.51.100.13');
  const stage = (await site.signIn(b, 'lee', 'lee-pw')).json();
  assert.deepEqual(stage.methods, ['push']);
  const sent = await site.call(b, 'POST', '/second-factor/push', {});
  assert.equal(sent.statusCode, 200, sent.body);
  assert.match(sent.json().txn, /^[0-9a-f]{32}$/);
  assert.equal(sent.json().number, null);
  const pending = await site.call(b, 'GET', '/second-factor/push');
  assert.deepEqual(pending.json(), { state: 'pending' }, 'the long poll answers pending at its timeout');
  const waiting = site.call(b, 'GET', '/second-factor/push');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal((await site.answerPush(device, 'lee', 'approve')).statusCode, 200);
  const approved = await waiting;
  assert.equal(approved.statusCode, 200, approved.body);
  assert.equal(approved.json().state, 'signed-in');
  assert.equal(approved.json().how, 'push');
  assert.match(String(approved.headers['set-cookie']), /^__Host-assent-my=[A-Za-z0-9_-]{43}; /);
  assert.equal((await site.call(b, 'GET', '/devices')).statusCode, 200);
  assert.equal(site.signIns.rows.at(-1)?.how, 'push');

  const d = site.browser('198.51.100.14');
  await site.signIn(d, 'lee', 'lee-pw');
  await site.call(d, 'POST', '/second-factor/push', {});
  assert.equal((await site.answerPush(device, 'lee', 'deny')).statusCode, 200);
  const denied = await site.call(d, 'GET', '/second-factor/push');
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.json().error, 'push_denied');
  assert.equal(site.signIns.rows.at(-1)?.reason, 'PUSH_DENIED');
  assert.equal(
    (await site.call(d, 'GET', '/session')).json().state,
    'second-factor',
    'a denial ends no session',
  );
});
