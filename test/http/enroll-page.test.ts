// The page of an enrollment-at-login link on the public listener (issue 18, SECURITY A11.5): GET shows two POST
// choices and uses nothing; "Use this phone" spends the link for a one-time activation; the TOTP choice shows a QR
// code and the key; unknown, spent or expired links get the plain 404; names are escaped; nothing runs.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createEnrollAtLogin, type EnrollAtLogin } from '../../src/auth/enroll-at-login.js';
import { EnrollmentCodes } from '../../src/auth/enrollment-codes.js';
import type { EnrollmentLinkStore } from '../../src/domain/enrollment-link-store.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { ENROLL_PAGE_POLICY, escapeHtml } from '../../src/http/enroll-page.js';
import { makeSelfSigned } from '../../src/http/public-certificate.js';
import { buildPublicApp } from '../../src/http/public-listener.js';
import { MemoryEnrollmentLinkStore } from '../../src/store/memory/memory-enrollment-link-store.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { MemoryTokenStore } from '../../src/store/memory/memory-token-store.js';

let app: FastifyInstance;
let use: EnrollAtLogin;
const links = new MemoryEnrollmentLinkStore();
const refuse = async () => ({ status: 401 as const, body: { error: 'unauthorized' } });
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

before(async () => {
  use = createEnrollAtLogin({
    codes: new EnrollmentCodes(links, 600_000),
    devices: new MemoryPushDeviceStore(),
    tokens: new MemoryTokenStore(),
    settings: { publicUrl: 'https://assent.test', issuer: 'Assent', totpWindow: 1 },
    events: {
      sent: () => {},
      limited: () => {},
      refused: () => {},
      opened: () => {},
      chosen: () => {},
      totpEnrolled: () => {},
    },
  });
  app = buildPublicApp({
    bind: '127.0.0.1',
    port: 0,
    tls: await makeSelfSigned(['127.0.0.1']),
    logger: pino({ level: 'silent' }),
    routes: { activate: refuse, answer: refuse, poll: refuse, fortiAnswer: refuse, enrollment: use },
  });
  await app.ready();
});
after(() => app?.close());

/** A fresh link for `user`; its path. */
async function link(user: string): Promise<string> {
  const issued = await use.issue(user, `txn-${user}`, '', 'nas', Date.now());
  assert.ok('url' in issued);
  return new URL(issued.url).pathname;
}

test('GET shows two POST forms under a strict CSP, as often as asked; HEAD too; nothing is used', async () => {
  const path = await link('erin');
  for (const method of ['GET', 'HEAD', 'GET'] as const) {
    const r = await app.inject({ method, url: path });
    assert.equal(r.statusCode, 200, method);
    assert.equal(r.headers['content-security-policy'], ENROLL_PAGE_POLICY);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.match(String(r.headers['content-type']), /^text\/html; charset=utf-8$/);
  }
  const page = (await app.inject({ url: path.toLowerCase() })).body;
  assert.match(page, /For <strong>erin<\/strong>\. This link works for 10 more minutes/);
  const forms = [...page.matchAll(/<form method="post" action="([^"]+)"><button[^>]*>([^<]+)<\/button>/g)];
  assert.deepEqual(
    forms.map((m) => [m[1], m[2]]),
    [
      [`${path}/phone`, 'Use this phone as the authenticator'],
      [`${path}/totp`, 'Use an authenticator app (TOTP)'],
    ],
  );
  assert.doesNotMatch(page, /<script|\son\w+=|javascript:/i, 'nothing runs');
  assert.match(
    ENROLL_PAGE_POLICY,
    /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'/,
  );
  assert.doesNotMatch(ENROLL_PAGE_POLICY, /unsafe/);
  const style = /<style>([^<]*)<\/style>/.exec(page)![1]!;
  assert.ok(
    ENROLL_PAGE_POLICY.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`),
    'the inline style is the one the policy allows',
  );
});

test('"Use this phone" is a POST: it spends the link and sends the browser to the app with a fresh activation', async () => {
  const path = await link('frank');
  const get = await app.inject({ method: 'GET', url: `${path}/phone` });
  assert.equal(get.statusCode, 404, 'a GET of the choice does nothing');
  const chosen = await app.inject({ method: 'POST', url: `${path}/phone`, headers: FORM, payload: '' });
  assert.equal(chosen.statusCode, 303);
  assert.match(String(chosen.headers.location), /^\/authenticator\/#\/add\/[A-Za-z0-9_-]{22}$/);
  for (const [method, url] of [
    ['GET', path],
    ['POST', `${path}/phone`],
    ['POST', `${path}/totp`],
  ] as const) {
    const again = await app.inject({ method, url, headers: FORM, payload: '' });
    assert.equal(again.statusCode, 404, `${method} ${url} after the link was spent`);
    assert.match(again.body, /^This sign-in setup link is unknown, used or expired/);
    assert.match(String(again.headers['content-type']), /^text\/plain/);
  }
});

test('the TOTP choice shows the key as an inline SVG QR code and as text, and keeps the link open', async () => {
  const path = await link('gina');
  const r = await app.inject({ method: 'POST', url: `${path}/totp`, headers: FORM, payload: '' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-security-policy'], ENROLL_PAGE_POLICY);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.match(r.body, /<div class="qr"><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>/s);
  const secret = /<code id="secret">([A-Z2-7 ]+)<\/code>/.exec(r.body)?.[1];
  assert.ok(secret, r.body);
  assert.match(secret, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/, '32 base32 characters in groups of four');
  assert.match(r.body, /Then type the app's code at the sign-in prompt/);
  assert.notEqual(
    await links.pendingTotp('gina', 'txn-gina', Date.now()),
    undefined,
    'pending until its first code, not stored',
  );
  assert.equal(
    (await app.inject({ url: path })).statusCode,
    200,
    'the link stays open until a code proves the key',
  );
});

test('unknown and malformed links get the plain 404; a user name is escaped', async () => {
  for (const url of ['/e/ABCDEFGH', '/e/not-a-code', '/e/%3Cscript%3E']) {
    const r = await app.inject({ url });
    assert.equal(r.statusCode, 404, url);
    assert.doesNotMatch(r.body, /<script/);
  }
  const odd = `o'<b>"&x`;
  const page = (await app.inject({ url: await link(odd) })).body;
  assert.ok(page.includes(`<strong>${escapeHtml(odd)}</strong>`));
  assert.ok(page.includes('o&#39;&lt;b&gt;&quot;&amp;x'));
  assert.ok(!page.includes(odd));
});

test('a links table that cannot be read: the page and its choices answer a plain 503, no crash', async () => {
  const down = (): never => {
    throw new StoreError(StoreErrorCode.Unavailable, 'reading an enrollment link failed (ECONNREFUSED)');
  };
  const broken: EnrollmentLinkStore = {
    issue: down,
    peek: async () => down(),
    take: async () => down(),
    holdTotp: down,
    pendingTotp: down,
    sweep: down,
  };
  const unavailable = buildPublicApp({
    bind: '127.0.0.1',
    port: 0,
    tls: await makeSelfSigned(['127.0.0.1']),
    logger: pino({ level: 'silent' }),
    routes: {
      activate: refuse,
      answer: refuse,
      poll: refuse,
      fortiAnswer: refuse,
      enrollment: createEnrollAtLogin({
        codes: new EnrollmentCodes(broken, 600_000),
        devices: new MemoryPushDeviceStore(),
        tokens: new MemoryTokenStore(),
        settings: { publicUrl: 'https://assent.test', issuer: 'Assent', totpWindow: 1 },
        events: { sent() {}, limited() {}, refused() {}, opened() {}, chosen() {}, totpEnrolled() {} },
      }),
    },
  });
  try {
    for (const [method, url] of [
      ['GET', '/e/ABCDEFGH'],
      ['POST', '/e/ABCDEFGH/phone'],
      ['POST', '/e/ABCDEFGH/totp'],
    ] as const) {
      const r = await unavailable.inject({ method, url, headers: FORM, payload: '' });
      assert.equal(r.statusCode, 503, `${method} ${url}`);
      assert.match(r.body, /^Sign-in setup cannot be reached right now/);
      assert.equal(r.headers['content-security-policy'], ENROLL_PAGE_POLICY);
    }
  } finally {
    await unavailable.close();
  }
});
