// Issue 18, the portal's server side end to end with curl against a real Assent (HTTPS public listener, SQLite,
// push on): the cookie as curl's jar keeps it, sign-in with password and an oathtool code, an authenticator enrolled
// from the portal's activation link by the command-line authenticator, then a push sign-in it approves.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeBase32 } from '../../src/otp/base32.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import { startTestServer } from '../support/test-server.js';
import { totpToken } from '../support/totp-token.js';

let site: PushSite;
let scratch: string;
const seed = new Uint8Array(randomBytes(20));

interface Answer {
  readonly status: number;
  readonly headers: string;
  readonly body: Record<string, unknown>;
}

/** One request as the portal page makes it, with curl: its cookie jar, its Origin, the CSRF header when given. */
async function curl(
  jar: string,
  method: string,
  path: string,
  options: { json?: unknown; csrf?: string; origin?: string; wait?: number } = {},
): Promise<Answer> {
  const headersFile = join(scratch, `headers-${randomBytes(4).toString('hex')}`);
  const args = ['-s', '-S', '-X', method, '--cacert', site.certFile, '-c', jar, '-b', jar];
  args.push('-D', headersFile, '-w', '\n%{http_code}', '--max-time', String(options.wait ?? 20));
  args.push('-H', `Origin: ${options.origin ?? site.publicUrl}`);
  if (options.csrf !== undefined) args.push('-H', `X-CSRF-Token: ${options.csrf}`);
  if (options.json !== undefined)
    args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(options.json));
  const r = await runPeer('curl', [...args, `${site.publicUrl}/my/api${path}`], '', 30_000);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  return { status, headers: readFileSync(headersFile, 'utf8'), body: text === '' ? {} : JSON.parse(text) };
}

const oath = async () => (await runPeer('oathtool', ['--totp', '-b', encodeBase32(seed)])).stdout.trim();

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'assent-portal-curl-'));
  site = await startPushSite({
    users: [{ name: 'alice', password: 'alice-pw' }],
    tokens: [totpToken('alice', seed, 'T-alice')],
    config: { push: { timeoutSeconds: 20 } },
  });
});
after(async () => {
  await site?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('curl: sign-in with password and code; the cookie is __Host-, HttpOnly, Secure, SameSite=Strict', async () => {
  const jar = join(scratch, 'alice.jar');
  const stage = await curl(jar, 'POST', '/sign-in', { json: { username: 'alice', password: 'alice-pw' } });
  assert.equal(stage.status, 200, JSON.stringify(stage.body));
  assert.equal(stage.body.state, 'second-factor');
  const cookie = /^set-cookie: (.*)$/im.exec(stage.headers)?.[1]?.trim() ?? '';
  assert.match(cookie, /^__Host-assent-my=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
  assert.match(stage.headers, /^cache-control: no-store/im);
  // curl's jar (Netscape format): HttpOnly marked, host-only, path /, secure.
  const line = readFileSync(jar, 'utf8')
    .split('\n')
    .find((l) => l.includes('__Host-assent-my'))!;
  assert.match(line, /^#HttpOnly_127\.0\.0\.1\tFALSE\t\/\tTRUE\t0\t__Host-assent-my\t[A-Za-z0-9_-]{43}$/);

  const refused = await curl(jar, 'POST', '/second-factor/code', { json: { code: await oath() } });
  assert.equal(refused.status, 403, 'without the CSRF token');
  const foreign = await curl(jar, 'POST', '/second-factor/code', {
    json: { code: await oath() },
    csrf: String(stage.body.csrf),
    origin: 'https://evil.example',
  });
  assert.equal(foreign.status, 403, 'from another origin');
  const done = await curl(jar, 'POST', '/second-factor/code', {
    json: { code: await oath() },
    csrf: String(stage.body.csrf),
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.how, 'totp');
  const devices = await curl(jar, 'GET', '/devices');
  assert.equal(devices.status, 200);
  assert.deepEqual(
    (devices.body.devices as { id: string }[]).map((d) => d.id),
    ['T-alice'],
  );
  const wrong = await curl(join(scratch, 'nobody.jar'), 'POST', '/sign-in', {
    json: { username: 'alice', password: 'nope' },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'sign_in_failed');
  assert.ok(site.server.logs.some((l) => l.event === 'audit.portal_signed_in' && l.user === 'alice'));
  assert.ok(!site.server.rawLogs().includes('alice-pw'), 'no password in the log');
});

test('curl: an authenticator enrolled from the portal approves the next sign-in (the long poll answers)', async () => {
  const jar = join(scratch, 'push.jar');
  const stage = await curl(jar, 'POST', '/sign-in', { json: { username: 'alice', password: 'alice-pw' } });
  // The TOTP code of this step was used by the test before (A6.4): a backup code, as an administrator gives them.
  const made = await site.assent(['token', 'add', '--user', 'alice', '--type', 'backup', '--count', '2']);
  assert.equal(made.code, 0, made.stderr);
  const backup = /^ {2}(\d{5}) (\d{5})$/m.exec(made.stdout)!;
  // Another process wrote the database: the running server reads the change log now, not at its next poll.
  site.server.server.syncChanges();
  const done = await curl(jar, 'POST', '/second-factor/code', {
    json: { code: `${backup[1]}${backup[2]}` },
    csrf: String(stage.body.csrf),
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.how, 'backup');
  // The token changes with the session id at sign-in (A12.3): the signed-in answer carries the new one.
  const csrf = String(done.body.csrf);
  const activation = await curl(jar, 'POST', '/devices/push', { json: { label: 'CLI' }, csrf });
  assert.equal(activation.status, 201, JSON.stringify(activation.body));
  const enrolled = await site.authenticator([
    'enroll',
    String(activation.body.activationUrl),
    '--ca',
    site.certFile,
  ]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  await curl(jar, 'POST', '/sign-out', { json: {}, csrf });

  const next = join(scratch, 'next.jar');
  const second = await curl(next, 'POST', '/sign-in', { json: { username: 'alice', password: 'alice-pw' } });
  assert.deepEqual(second.body.methods, ['push', 'code']);
  const sent = await curl(next, 'POST', '/second-factor/push', { json: {}, csrf: String(second.body.csrf) });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const waiting = curl(next, 'GET', '/second-factor/push', { wait: 30 });
  for (let i = 0; i < 50; i++) {
    if ((await site.authenticator(['pending'])).stdout.includes('alice at')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal((await site.authenticator(['approve', '--latest'])).code, 0);
  const approved = await waiting;
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.state, 'signed-in');
  assert.equal(approved.body.how, 'push');
  assert.match(approved.headers, /^set-cookie: __Host-assent-my=[A-Za-z0-9_-]{43}; /im);
  assert.equal((await curl(next, 'GET', '/devices')).status, 200, 'the jar holds the new session id');
});

test('push off: the public listener still serves the portal (no device routes); portal off too: no listener', async () => {
  const pushOff = await startTestServer({
    users: [{ name: 'zoe', password: 'zoe-pw' }],
    config: { push: { enabled: false } },
  });
  try {
    const port = pushOff.server.http.publicPort;
    assert.ok(port !== undefined, 'the portal opens the public listener');
    const ca = join(pushOff.dir, 'public-cert.pem');
    const get = (path: string) =>
      runPeer('curl', ['-s', '--cacert', ca, '-w', '\n%{http_code}', `https://127.0.0.1:${port}${path}`]);
    const session = (await get('/my/api/session')).stdout.split('\n');
    assert.deepEqual([JSON.parse(session[0]!), session[1]], [{ state: 'signed-out' }, '200']);
    assert.match((await get('/device/v1/pending')).stdout, /404$/);
  } finally {
    await pushOff.stop();
  }
  const neither = await startTestServer({ config: { push: { enabled: false }, portal: { enabled: false } } });
  try {
    assert.equal(neither.server.http.publicPort, undefined);
  } finally {
    await neither.stop();
  }
});
