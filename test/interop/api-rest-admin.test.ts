// Issue 14 end to end with curl against the real server: administration over /api/v2 — clients applied without
// SIGHUP; users, tokens and lockouts by the CLI's rules, each change seen at once by the running server; a user's
// own grace period; and every response checked against the server's own OpenAPI document.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { checkRecordedAgainstOpenApi, curl, startApiSite } from '../support/api-rest-site.js';
import type { PushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET } from '../support/test-server.js';

let site: PushSite;

before(async () => {
  ({ site } = await startApiSite({ portal: ['push', 'auth'], ops: ['admin'], auditor: ['read-only'] }));
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

test('every response above matches the OpenAPI document, which is a valid OpenAPI 3.1 document', async () => {
  await checkRecordedAgainstOpenApi(30);
});
