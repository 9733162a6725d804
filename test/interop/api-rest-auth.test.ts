// Issue 14 end to end with curl against the real server: API keys and their one 401 for every refusal,
// FortiAuthenticator's /api/v1/auth/ and /api/v1/pushauth/ (answered by the command-line authenticator),
// /api/v2/transactions with SSE, the limits, and every response checked against the server's own OpenAPI document.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { openStores } from '../../src/store/open-stores.js';
import {
  checkRecordedAgainstOpenApi,
  curl,
  keys,
  recorded,
  startApiSite,
  totpNow,
} from '../support/api-rest-site.js';
import type { PushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';

let site: PushSite;
let base: string;

before(async () => {
  ({ site, base } = await startApiSite({ portal: ['push', 'auth'], auditor: ['read-only'] }));
  const enrolled = await site.authenticator([
    'enroll',
    await site.activationLink('alice'),
    '--ca',
    site.certFile,
  ]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  await site.enrollWebPush('carol');
});

test('POST /api/v1/auth/: password and code, code at the end of the password, form bodies; failures are 401', async () => {
  const code = await totpNow();
  const ok = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    json: { username: 'alice', password: 'alice-pw', token_code: code },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body, { result: 'success', username: 'alice' });
  // The same code again is a replay (A6.4), whichever way it arrives. The very code accepted, not "the code now":
  // on a loaded machine the next 30 s step may have begun, and its new code would rightly be accepted.
  const replay = await curl('POST', '/api/v1/auth/', {
    key: 'portal',
    form: `username=alice&password=alice-pw${code}&token_code=`,
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

// Each REST API file checks the answers its own tests got: the record, like the site, is the file's.
test('every response above matches the OpenAPI document, which is a valid OpenAPI 3.1 document', async () => {
  await checkRecordedAgainstOpenApi(20);
});

async function waitForPending(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await site.authenticator(['pending']);
    if (r.stdout.includes('alice at')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('no pending request appeared');
}
