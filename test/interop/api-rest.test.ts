// Issue 14 end to end with curl against the real server: API keys, FortiAuthenticator's /api/v1/auth/ and
// /api/v1/pushauth/ (answered by the command-line authenticator), /api/v2/transactions with SSE, clients applied
// without SIGHUP, limits, and every response checked against the server's own OpenAPI document.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { loadConfig } from '../../src/config/load-config.js';
import { encodeBase32 } from '../../src/otp/base32.js';
import { openStores } from '../../src/store/open-stores.js';
import { checkAgainstOpenApi, type RecordedResponse } from '../support/openapi-check.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET } from '../support/test-server.js';
import { totpToken } from '../support/totp-token.js';

let site: PushSite;
let base: string;
const keys: Record<string, string> = {};
const recorded: RecordedResponse[] = [];
const aliceSecret = new Uint8Array(randomBytes(20));

interface Answer {
  status: number;
  type: string;
  body: unknown;
  text: string;
}

/** One call with curl; Basic `<name>:<key>` when `key` names one of `keys`. Every answer is recorded. */
async function curl(
  method: string,
  path: string,
  options: {
    key?: string;
    auth?: string;
    json?: unknown;
    form?: string;
    raw?: string;
    type?: string;
    headers?: string[];
    wait?: number;
  } = {},
): Promise<Answer> {
  const args = [
    '-s',
    '-S',
    '-X',
    method,
    '-w',
    '\n%{http_code}\n%{content_type}',
    '--max-time',
    String(options.wait ?? 20),
  ];
  if (options.key !== undefined) args.push('-u', `${options.key}:${keys[options.key]}`);
  if (options.auth !== undefined) args.push('-H', `Authorization: ${options.auth}`);
  for (const h of options.headers ?? []) args.push('-H', h);
  if (options.json !== undefined)
    args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(options.json));
  if (options.form !== undefined)
    args.push('-H', 'Content-Type: application/x-www-form-urlencoded', '--data-binary', options.form);
  if (options.raw !== undefined)
    args.push('-H', `Content-Type: ${options.type ?? 'text/plain'}`, '--data-binary', options.raw);
  const r = await runPeer('curl', [...args, `${base}${path}`], '', ((options.wait ?? 20) + 5) * 1000);
  const lines = r.stdout.split('\n');
  const type = lines.pop() ?? '';
  const status = Number(lines.pop());
  const text = lines.join('\n');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  recorded.push({ method, path, status, contentType: type, body });
  return { status, type, body, text };
}

async function newKey(name: string, ...args: string[]): Promise<void> {
  const r = await site.assent(['apikey', 'add', '--name', name, ...args]);
  assert.equal(r.code, 0, r.stderr);
  const key = /ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(r.stdout)?.[0];
  assert.ok(key, r.stdout);
  keys[name] = key;
}

const totpNow = async () => {
  const r = await runPeer('oathtool', ['--totp', '-b', encodeBase32(aliceSecret)]);
  return r.stdout.trim();
};

before(async () => {
  site = await startPushSite({
    users: [
      { name: 'alice', password: 'alice-pw', groups: ['vpn'] },
      { name: 'bob', password: 'bob-pw' },
      { name: 'carol', password: 'carol-pw' },
    ],
    tokens: [totpToken('alice', aliceSecret, 'T-alice')],
    config: {
      push: { timeoutSeconds: 10, maxPerUser: 50 },
      secondFactor: { lockoutFailures: 4 },
      http: { admin: { rateLimitPerSecond: 50 } },
    },
  });
  base = `http://127.0.0.1:${site.server.server.http.adminPort}`;
  const enrolled = await site.authenticator([
    'enroll',
    await site.activationLink('alice'),
    '--ca',
    site.certFile,
  ]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  await site.enrollWebPush('carol');
  await newKey('portal', '--scope', 'push', '--scope', 'auth');
  await newKey('ops', '--scope', 'admin');
  await newKey('auditor', '--scope', 'read-only');
});
after(async () => {
  await site?.stop();
});

test('POST /api/v1/auth/: password and code, code at the end of the password, form bodies; failures are 401', async () => {
  const ok = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'alice', password: 'alice-pw', token_code: await totpNow() },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body, { result: 'success', username: 'alice' });
  // The same code again is a replay (A6.4), whichever way it arrives.
  const replay = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    form: `username=alice&password=alice-pw${await totpNow()}&token_code=`,
  });
  assert.equal(replay.status, 401, replay.text);
  assert.equal((replay.body as { code: string }).code, 'authentication_failed');
  assert.match(replay.type, /^application\/problem\+json/);
  const wrongPw = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'alice', password: 'nope' },
  });
  assert.equal(wrongPw.status, 401);
  const pwOnly = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'bob', password: 'bob-pw' },
  });
  assert.equal(pwOnly.status, 200, pwOnly.text);
  // A user without tokens fails any code (PROTOCOL §4.3).
  const bobCode = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'bob', token_code: '123456' },
  });
  assert.equal(bobCode.status, 401);
  const nothing = await curl('POST', '/api/v1/auth/', { key: 'portal', json: { username: 'bob' } });
  assert.equal(nothing.status, 401);
  const unknownField = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'bob', pin: '1' },
  });
  assert.equal(unknownField.status, 400, unknownField.text);
  const decisions = site.server.logs.filter((l) => l.event === 'api.decision' && l.client === 'portal');
  assert.ok(decisions.length >= 5, 'every check is logged with the key name as client');
  assert.ok(site.server.logs.some((l) => l.event === 'api.call' && l.key === 'portal' && l.status === 200));
  assert.ok(!site.server.rawLogs().includes(keys.portal!.slice(20)), 'no key in the log');
});

test('no key, a wrong key, a wrong scope, an expired key: the same 401 body', async () => {
  // An expired key, stored as `assent apikey add --expires` stores one; written straight into the store, since
  // waiting for a real key to expire races the clock on a loaded machine (the CLI alone can take seconds there).
  const id = randomBytes(8).toString('hex');
  keys.brief = `ask_${id}_${randomBytes(32).toString('base64url')}`;
  const loaded = loadConfig({ env: {}, overrides: { dataDir: site.server.dir }, cwd: site.server.dir });
  assert.ok(loaded.ok);
  const stores = openStores(loaded.config);
  try {
    await stores.apiKeys.add({
      id,
      name: 'brief',
      scopes: ['auth'],
      keyHash: createHash('sha256').update(keys.brief, 'utf8').digest(),
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
  } finally {
    await stores.close();
  }
  const body = { username: 'bob', password: 'bob-pw' };
  const answers = [
    await curl('POST', '/api/v1/auth/', { json: body }),
    await curl('POST', '/api/v1/auth/', { auth: `Bearer ${keys.portal!.slice(0, -2)}xx`, json: body }),
    await curl('POST', '/api/v1/auth/', { key: 'auditor', json: body }),
    await curl('POST', '/api/v1/auth/', { key: 'brief', json: body }),
    await curl('POST', '/api/v1/auth/', { auth: 'Basic bm9ib2R5Om5vdGhpbmc=', json: body }),
    await curl('POST', '/api/v1/auth/', {
      auth: `Bearer ask_0123456789abcdef_${'A'.repeat(43)}`,
      json: body,
    }),
  ];
  for (const a of answers) {
    assert.equal(a.status, 401);
    assert.equal(a.text, answers[0]!.text);
  }
  assert.deepEqual(answers[0]!.body, {
    type: 'about:blank',
    title: 'Unauthorized',
    status: 401,
    code: 'unauthorized',
  });
  const bearer = await curl('POST', '/api/v1/auth/', { auth: `Bearer ${keys.portal}`, json: body });
  assert.equal(bearer.status, 200, 'the bearer form works too');
  const whys = site.server.logs.filter((l) => l.event === 'api.key_refused').map((l) => l.why);
  for (const why of ['missing', 'wrong', 'scope', 'expired', 'malformed', 'unknown'])
    assert.ok(whys.includes(why), `${why} in ${whys}`);
});

test('POST /api/v1/pushauth/ holds until the CLI authenticator answers: approve 200, deny 401; no device 404', async () => {
  const held = curl('POST', '/api/v1/pushauth/', {
    key: 'portal',
    json: { username: 'alice', user_ip: '198.51.100.9', user_agent: 'portal' },
  });
  await waitForPending();
  assert.equal((await site.authenticator(['approve', '--latest'])).code, 0);
  const approved = await held;
  assert.equal(approved.status, 200, approved.text);
  const body = approved.body as { session_id: string; result: string };
  assert.equal(body.result, 'approved');
  assert.ok(
    site.server.logs.some((l) => l.event === 'push.decided' && l.txn === body.session_id),
    'one txn across API and push logs',
  );

  const held2 = curl('POST', '/api/v1/pushauth/', { key: 'portal', form: 'username=alice' });
  await waitForPending();
  assert.equal((await site.authenticator(['deny', '--latest'])).code, 0);
  const denied = await held2;
  assert.equal(denied.status, 401, denied.text);
  assert.equal((denied.body as { result: string }).result, 'denied');

  const bob = await curl('POST', '/api/v1/pushauth/', { key: 'portal', json: { username: 'bob' } });
  assert.equal(bob.status, 404);
});

test('pushauth: a push service that refuses is 500, one that cannot take it before the deadline is 503', async () => {
  site.push.answerWith(403);
  const refused = await curl('POST', '/api/v1/pushauth/', { key: 'portal', json: { username: 'carol' } });
  assert.equal(refused.status, 500, refused.text);
  assert.equal((refused.body as { code: string }).code, 'delivery_refused');
  site.push.answerWith(503);
  const unreachable = await curl('POST', '/api/v1/pushauth/', { key: 'portal', json: { username: 'carol' } });
  assert.equal(unreachable.status, 503, unreachable.text);
  assert.equal((unreachable.body as { code: string }).code, 'delivery_unreachable');
  site.push.answerWith(201);
  const line = site.server.logs.find((l) => l.event === 'push.sent' && l.user === 'carol');
  assert.equal(line?.delivery, 'webpush');
});

test('POST /api/v2/transactions returns at once; GET polls; the SSE stream ends with the answer; Idempotency-Key', async () => {
  const start = { type: 'push', username: 'alice', number_matching: false };
  const created = await curl('POST', '/api/v2/transactions', {
    key: 'portal',
    json: start,
    headers: ['Idempotency-Key: k-1'],
  });
  assert.equal(created.status, 202, created.text);
  const t = created.body as { id: string; status: string };
  assert.equal(t.status, 'pending');
  const again = await curl('POST', '/api/v2/transactions', {
    key: 'portal',
    json: start,
    headers: ['Idempotency-Key: k-1'],
  });
  assert.equal((again.body as { id: string }).id, t.id, 'a retried POST starts no second push');
  const other = await curl('POST', '/api/v2/transactions', {
    key: 'portal',
    json: { ...start, user_ip: '1.2.3.4' },
    headers: ['Idempotency-Key: k-1'],
  });
  assert.equal(other.status, 422);
  const events = runPeer(
    'curl',
    ['-s', '-N', '-u', `portal:${keys.portal}`, `${base}/api/v2/transactions/${t.id}/events`],
    '',
    20_000,
  );
  await waitForPending();
  assert.equal((await site.authenticator(['approve', '--latest'])).code, 0);
  const stream = await events;
  const data = stream.stdout
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)));
  assert.deepEqual(
    data.map((d) => d.status),
    ['pending', 'approved'],
  );
  const polled = await curl('GET', `/api/v2/transactions/${t.id}`, { key: 'portal' });
  assert.equal((polled.body as { status: string }).status, 'approved');
  assert.equal((await curl('GET', `/api/v2/transactions/${t.id}`, { key: 'auditor' })).status, 200);
  const code = await curl('POST', '/api/v2/transactions', {
    key: 'portal',
    json: { type: 'code', username: 'bob', password: 'bob-pw' },
  });
  assert.equal(code.status, 201);
  assert.equal((code.body as { status: string }).status, 'approved');
});

test('clients over the API apply at once: removed → dropped, added back with a new secret → Access-Accept', async () => {
  const attrs = 'User-Name = "bob"\nUser-Password = "bob-pw"\n';
  assert.match((await site.radclient(attrs)).stdout, /Access-Accept/);
  const list = await curl('GET', '/api/v2/clients?limit=1', { key: 'auditor' });
  assert.equal(list.status, 200);
  assert.equal((list.body as { items: { name: string }[] }).items[0]!.name, 'local');
  assert.equal(
    (await curl('DELETE', '/api/v2/clients/local', { key: 'auditor' })).status,
    401,
    'read-only cannot write',
  );
  assert.equal((await curl('DELETE', '/api/v2/clients/local', { key: 'ops' })).status, 204);
  assert.doesNotMatch((await site.radclient(attrs)).stdout, /Access-Accept/);
  const added = await curl('POST', '/api/v2/clients', {
    key: 'ops',
    json: { name: 'local', address: '127.0.0.1' },
  });
  assert.equal(added.status, 201, added.text);
  const secret = (added.body as { secret: string }).secret;
  const fresh = await runPeer(
    'radclient',
    ['-x', '-t', '1', '-r', '1', `127.0.0.1:${site.server.port}`, 'auth', secret],
    `${attrs}Message-Authenticator = 0x00\n`,
  );
  assert.match(fresh.stdout, /Access-Accept/, 'answered within a second, no SIGHUP');
  assert.equal(
    (await curl('POST', '/api/v2/clients', { key: 'ops', json: { name: 'local', address: '127.0.0.9' } }))
      .status,
    409,
  );
  const rotated = await curl('POST', '/api/v2/clients/local/secret', { key: 'ops' });
  assert.equal(rotated.status, 200);
  const old = await runPeer(
    'radclient',
    ['-x', '-t', '1', '-r', '1', `127.0.0.1:${site.server.port}`, 'auth', secret],
    `${attrs}Message-Authenticator = 0x00\n`,
  );
  assert.doesNotMatch(old.stdout, /Access-Accept/, 'the old secret stops working');
  const restore = await site.assent(['client', 'remove', 'local']);
  assert.equal(restore.code, 0);
  await curl('POST', '/api/v2/clients', {
    key: 'ops',
    json: { name: 'local', address: '127.0.0.1', secret: DEFAULT_SECRET },
  });
  assert.ok(site.server.logs.some((l) => l.event === 'audit.client_added' && l.key === 'ops'));
});

test('users, tokens, lockouts over the API: the rules of the CLI, and the running server sees each change', async () => {
  const added = await curl('POST', '/api/v2/users', {
    key: 'ops',
    json: { name: 'dave', groups: ['vpn', 'vpn', ' ops '] },
    headers: ['Idempotency-Key: add-dave'],
  });
  assert.equal(added.status, 201, added.text);
  const { user, password } = added.body as { user: { groups: string[] }; password: string };
  assert.deepEqual(user.groups, ['vpn', 'ops'], 'groups trimmed and deduplicated as the CLI does');
  // 3 s for a reply: an argon2id check of a new user on a loaded CI machine has taken more than radclient's 1 s.
  const login = (pw: string) => site.radclient(`User-Name = "dave"\nUser-Password = "${pw}"\n`, 3);
  assert.match((await login(password)).stdout, /Access-Accept/);
  const retried = await curl('POST', '/api/v2/users', {
    key: 'ops',
    json: { name: 'dave', groups: ['vpn', 'vpn', ' ops '] },
    headers: ['Idempotency-Key: add-dave'],
  });
  assert.equal(retried.status, 201, 'a retried POST gets the first answer, not 409');
  assert.equal(retried.text, added.text);
  assert.equal((await curl('POST', '/api/v2/users', { key: 'ops', json: { name: 'dave' } })).status, 409);
  assert.equal(
    (await curl('POST', '/api/v2/users', { key: 'ops', json: { name: 'bad\u0001name' } })).status,
    400,
  );
  assert.equal(
    (await curl('PATCH', '/api/v2/users/dave', { key: 'ops', json: { status: 'disabled' } })).status,
    200,
  );
  assert.doesNotMatch((await login(password)).stdout, /Access-Accept/);
  assert.equal(
    (await curl('PATCH', '/api/v2/users/dave', { key: 'ops', json: { status: 'active' } })).status,
    200,
  );

  const totp = await curl('POST', '/api/v2/users/dave/tokens', {
    key: 'ops',
    json: { type: 'totp', label: 'phone' },
  });
  assert.equal(totp.status, 201, totp.text);
  const { uri, token } = totp.body as { uri: string; token: { serial: string } };
  const secret = new URL(uri).searchParams.get('secret')!;
  const code = (await runPeer('oathtool', ['--totp', '-b', secret])).stdout.trim();
  const ok = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'dave', password, token_code: code },
  });
  assert.equal(ok.status, 200, 'the token added over the API checks at once');
  for (let i = 0; i < 4; i++) {
    await curl('POST', '/api/v1/auth/', { key: 'portal', json: { username: 'dave', token_code: '000000' } });
  }
  const locked = await curl('GET', '/api/v2/lockouts', { key: 'auditor' });
  assert.ok((locked.body as { name: string; locked: boolean }[]).some((r) => r.name === 'dave' && r.locked));
  const lockedPw = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'dave', password },
  });
  assert.equal(lockedPw.status, 401, 'a locked account is refused on the password alone too');
  assert.ok(
    site.server.logs.some(
      (l) => l.event === 'api.decision' && l.user === 'dave' && l.reason === 'ACCOUNT_LOCKED',
    ),
  );
  assert.equal((await curl('POST', '/api/v2/users/dave/unlock', { key: 'ops' })).status, 204);
  const unlocked = await curl('GET', '/api/v2/lockouts', { key: 'auditor' });
  assert.ok(!(unlocked.body as { name: string }[]).some((r) => r.name === 'dave'));
  assert.equal((await curl('POST', '/api/v2/users/nobody-at-all/unlock', { key: 'ops' })).status, 404);

  const push = await curl('POST', '/api/v2/users/dave/tokens', { key: 'ops', json: { type: 'push' } });
  assert.equal(push.status, 201, push.text);
  assert.match((push.body as { activation: { url: string } }).activation.url, /\/device\/v1\/activation\//);
  const list = await curl('GET', '/api/v2/users/dave/tokens', { key: 'auditor' });
  assert.deepEqual(
    (list.body as { type: string }[]).map((t) => t.type),
    ['totp'],
  );
  assert.ok(!list.text.includes(secret), 'no secret in a listing');
  const renamed = await curl('PATCH', `/api/v2/tokens/${token.serial}`, {
    key: 'ops',
    json: { label: ' old phone ' },
  });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal((renamed.body as { label: string; serial: string }).label, 'old phone');
  assert.ok(site.server.logs.some((l) => l.event === 'audit.token_renamed' && l.serial === token.serial));
  assert.equal(
    (await curl('PATCH', `/api/v2/tokens/${token.serial}`, { key: 'ops', json: { label: 'a\u0007b' } }))
      .status,
    400,
  );
  assert.equal(
    (await curl('PATCH', '/api/v2/tokens/ASNT99999999', { key: 'ops', json: { label: 'x' } })).status,
    404,
  );
  assert.equal(
    (await curl('PATCH', `/api/v2/tokens/${token.serial}`, { key: 'auditor', json: { label: 'x' } })).status,
    401,
    'renaming needs the admin scope',
  );
  assert.equal((await curl('DELETE', `/api/v2/tokens/${token.serial}`, { key: 'ops' })).status, 204);
  assert.equal((await curl('DELETE', `/api/v2/tokens/${token.serial}`, { key: 'ops' })).status, 404);
  const backup = await curl('POST', '/api/v2/users/dave/tokens', {
    key: 'ops',
    json: { type: 'backup', count: 3 },
  });
  assert.equal((backup.body as { backup_codes: string[] }).backup_codes.length, 3);
  assert.equal(
    (await curl('POST', '/api/v2/users/nobody/tokens', { key: 'ops', json: { type: 'totp' } })).status,
    404,
  );

  const reset = await curl('POST', '/api/v2/users/dave/password', { key: 'ops', json: {} });
  const fresh = (reset.body as { password: string }).password;
  assert.equal(
    (await curl('POST', '/api/v1/auth/', { key: 'portal', json: { username: 'dave', password: fresh } }))
      .status,
    200,
  );
  assert.equal(
    (await curl('POST', '/api/v1/auth/', { key: 'portal', json: { username: 'dave', password } })).status,
    401,
  );

  const page1 = await curl('GET', '/api/v2/users?limit=2', { key: 'auditor' });
  const p1 = page1.body as { items: { name: string }[]; next: string };
  assert.deepEqual(
    p1.items.map((u) => u.name),
    ['alice', 'bob'],
  );
  const page2 = await curl('GET', `/api/v2/users?limit=2&after=${p1.next}`, { key: 'auditor' });
  assert.deepEqual(
    (page2.body as { items: { name: string }[] }).items.map((u) => u.name),
    ['carol', 'dave'],
  );
  const groups = await curl('GET', '/api/v2/groups', { key: 'auditor' });
  assert.deepEqual(groups.body, [
    { name: 'ops', members: 1 },
    { name: 'vpn', members: 2 },
  ]);
  const policy = await curl('GET', '/api/v2/policy', { key: 'auditor' });
  assert.equal((policy.body as { lockout_failures: number }).lockout_failures, 4);
  assert.equal((await curl('DELETE', '/api/v2/users/dave', { key: 'auditor' })).status, 401);
  assert.equal((await curl('DELETE', '/api/v2/users/dave', { key: 'ops' })).status, 204);
  assert.ok(
    site.server.logs.some((l) => l.event === 'audit.user_added' && l.key === 'ops' && l.user === 'dave'),
  );
});

test("a user's own grace period over the API: PUT, GET, DELETE; bad dates refused; read-only keys only read", async () => {
  const path = '/api/v2/users/carol/grace';
  assert.equal((await curl('GET', path, { key: 'ops' })).status, 404, 'none set yet');
  const set = await curl('PUT', path, { key: 'ops', json: { until: '2999-03-01', logins: 3 } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.body, { until: '2999-03-01', logins: 3 });
  assert.deepEqual((await curl('GET', path, { key: 'auditor' })).body, { until: '2999-03-01', logins: 3 });
  assert.equal((await curl('PUT', path, { key: 'auditor', json: {} })).status, 401, 'read-only cannot set');
  const none = await curl('PUT', path, { key: 'ops', json: {} });
  assert.deepEqual(none.body, { until: '', logins: 0 }, 'an empty body is a grace of none');
  const bad = await curl('PUT', path, { key: 'ops', json: { until: '2027-02-30' } });
  assert.equal(bad.status, 400);
  assert.match((bad.body as { detail: string }).detail, /^until: /);
  assert.equal((await curl('PUT', path, { key: 'ops', json: { logins: -1 } })).status, 400);
  assert.equal((await curl('DELETE', path, { key: 'ops' })).status, 204);
  assert.equal((await curl('DELETE', path, { key: 'ops' })).status, 404);
  const cli = await site.assent(['user', 'grace', 'carol']);
  assert.match(cli.stdout, /carol: no own grace period/, 'the CLI reads what the API wrote');
});

test('limits: 413 for a large body, 415 for another content type, 400 for duplicate keys, 429 for a flood', async () => {
  const big = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    raw: JSON.stringify({ username: 'a'.repeat(20_000) }),
    type: 'application/json',
  });
  assert.equal(big.status, 413);
  assert.equal(
    (await curl('POST', '/api/v1/auth/', { key: 'portal', raw: 'username=bob', type: 'text/plain' })).status,
    415,
  );
  assert.equal(
    (
      await curl('POST', '/api/v1/auth/', {
        key: 'portal',
        raw: '{"username":"bob","username":"eve"}',
        type: 'application/json',
      })
    ).status,
    400,
  );
  // A8.7: one address flooding the API gets 429 with Retry-After (burst: twice the per-second rate).
  const auth = `Basic ${Buffer.from(`auditor:${keys.auditor}`).toString('base64')}`;
  const flood = await Promise.all(
    Array.from({ length: 600 }, () => fetch(`${base}/api/v2/groups`, { headers: { authorization: auth } })),
  );
  const limited = flood.filter((r) => r.status === 429);
  assert.ok(limited.length > 0, 'some calls were limited');
  assert.match(limited[0]!.headers.get('retry-after') ?? '', /^\d+$/);
  recorded.push({
    method: 'GET',
    path: '/api/v2/groups',
    status: 429,
    contentType: limited[0]!.headers.get('content-type') ?? '',
    body: await limited[0]!.json(),
  });
  await Promise.all(flood.filter((r) => r !== limited[0]).map((r) => r.arrayBuffer()));
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const nowhere = await curl('GET', '/api/v2/nothing', { key: 'portal' });
  recorded.pop(); // not in the document, by definition
  assert.equal(nowhere.status, 404);
  assert.equal((nowhere.body as { code: string }).code, 'not_found');
});

test('every response above matches the OpenAPI document, which is a valid OpenAPI 3.1 document', async () => {
  const doc = await curl('GET', '/api/openapi.json');
  recorded.pop();
  assert.equal(doc.status, 200);
  const valid = await new Validator().validate(doc.body as Parameters<Validator['validate']>[0]);
  assert.equal(valid.valid, true, JSON.stringify(valid.errors));
  assert.equal((doc.body as { openapi: string }).openapi, '3.1.0');
  assert.ok(recorded.length > 30);
  assert.deepEqual(checkAgainstOpenApi(doc.body as never, recorded), []);
});

async function waitForPending(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await site.authenticator(['pending']);
    if (r.stdout.includes('alice at')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('no pending request appeared');
}
