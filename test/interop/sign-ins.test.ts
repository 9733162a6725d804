// Issue 18 sign-in history end to end: radclient logins against the real server, then the history through the REST
// API and the CLI, and "this wasn't me" muting the next push (SECURITY A7.8, A13.1).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { encodeBase32 } from '../../src/otp/base32.js';
import { checkAgainstOpenApi, type RecordedResponse } from '../support/openapi-check.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import { totpToken } from '../support/totp-token.js';

let site: PushSite;
let base: string;
const keys: Record<string, string> = {};
const recorded: RecordedResponse[] = [];
const aliceSecret = new Uint8Array(randomBytes(20));

interface SignInItem {
  id: number;
  at: string;
  client: string;
  user_ip: string;
  result: string;
  how: string;
  reason: string;
  txn: string;
  not_me_at: string | null;
}
type Page = { items: SignInItem[]; next: string | null };

async function api(method: string, path: string, key: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${key}:${keys[key]}`).toString('base64')}` },
  });
  const text = await response.text();
  const body = text === '' ? undefined : JSON.parse(text);
  const contentType = response.headers.get('content-type') ?? '';
  recorded.push({ method, path, status: response.status, contentType, body });
  return { status: response.status, body };
}

const signIns = async (user: string, query = '') => {
  const r = await api('GET', `/api/v2/users/${user}/sign-ins${query}`, 'auditor');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as Page;
};

const receivedState = (stdout: string) =>
  /State = (0x[0-9a-f]+)/.exec(stdout.slice(stdout.indexOf('Received')))?.[1];

async function totpNow(): Promise<string> {
  const r = await runPeer('oathtool', ['--totp', '-b', encodeBase32(aliceSecret)]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

before(async () => {
  site = await startPushSite({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'bob', password: 'bob-pw' },
    ],
    tokens: [totpToken('alice', aliceSecret, 'T-alice')],
    config: { push: { timeoutSeconds: 10 }, radius: { rejectDelayMs: 0 } },
  });
  base = `http://127.0.0.1:${site.server.server.http.adminPort}`;
  await site.enrollWebPush('alice');
  for (const [name, scope] of [
    ['auditor', 'read-only'],
    ['ops', 'admin'],
  ] as const) {
    const r = await site.assent(['apikey', 'add', '--name', name, '--scope', scope]);
    assert.equal(r.code, 0, r.stderr);
    keys[name] = /ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(r.stdout)![0];
  }
});
after(async () => {
  await site?.stop();
});

test('radclient logins are recorded newest first with client, Calling-Station-Id, result and how; unknown names are not', async () => {
  const wrong = await site.radclient(
    'User-Name = "alice"\nUser-Password = "not-it"\nCalling-Station-Id = "198.51.100.20"\n',
  );
  assert.match(wrong.stdout, /Received Access-Reject/, wrong.stdout + wrong.stderr);
  const unknown = await site.radclient(
    'User-Name = "mallory"\nUser-Password = "guess"\nCalling-Station-Id = "198.51.100.66"\n',
  );
  assert.match(unknown.stdout, /Received Access-Reject/);
  const first = await site.radclient(
    'User-Name = "alice"\nUser-Password = "alice-pw"\nCalling-Station-Id = "203.0.113.9"\n',
  );
  assert.match(first.stdout, /Received Access-Challenge/, first.stdout + first.stderr);
  const state = receivedState(first.stdout);
  const second = await site.radclient(
    `User-Name = "alice"\nUser-Password = "${await totpNow()}"\nState = ${state}\nCalling-Station-Id = "203.0.113.9"\n`,
  );
  assert.match(second.stdout, /Received Access-Accept/, second.stdout + second.stderr);

  const page = await signIns('alice');
  assert.deepEqual(
    page.items.map((s) => [s.result, s.how, s.reason, s.client, s.user_ip, s.not_me_at]),
    [
      ['accepted', 'totp', '', 'local', '203.0.113.9', null],
      ['rejected', '', 'BAD_PASSWORD', 'local', '198.51.100.20', null],
    ],
    'the challenge is no sign-in of its own; the login is one row',
  );
  assert.equal(page.next, null);
  const accepted = site.server.logs.find(
    (l) => l.event === 'radius.decision' && l.user === 'alice' && l.outcome === 'accept',
  );
  assert.equal(page.items[0]!.txn, accepted?.txn, "the row names the login's log lines");
  assert.deepEqual((await signIns('mallory')).items, [], 'an unknown name leaves no trace in the history');

  // Pages: `next` continues exactly after the last item.
  const one = await signIns('alice', '?limit=1');
  assert.equal(one.items[0]!.how, 'totp');
  assert.ok(one.next !== null);
  const rest = await signIns('alice', `?limit=1&after=${encodeURIComponent(one.next)}`);
  assert.deepEqual(
    rest.items.map((s) => s.reason),
    ['BAD_PASSWORD'],
  );
  assert.equal(rest.next, null);
  const bad = await api('GET', '/api/v2/users/alice/sign-ins?after=2026-12-05', 'auditor');
  assert.equal(bad.status, 400);

  const cli = await site.assent(['user', 'sign-ins', 'alice', '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  const rows = cli.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { how: string; userIp: string; reason: string });
  assert.deepEqual(
    rows.map((r) => [r.how, r.userIp, r.reason]),
    [
      ['totp', '203.0.113.9', ''],
      ['', '198.51.100.20', 'BAD_PASSWORD'],
    ],
  );
  const table = await site.assent(['user', 'sign-ins', 'alice', '--limit', '1']);
  assert.match(table.stdout, /^\S+Z\taccepted\ttotp\tlocal\t203\.0\.113\.9\t[0-9a-f]{32}\n$/);
});

test('"this wasn\'t me" over the API marks the sign-in and mutes pushes: the next push-offering challenge sends none', async () => {
  const bob = await site.radclient('User-Name = "bob"\nUser-Password = "bob-pw"\n');
  assert.match(bob.stdout, /Received Access-Accept/);
  const bobRow = (await signIns('bob')).items[0]!;
  assert.equal(bobRow.how, 'password', 'no second factor needed');
  const target = (await signIns('alice')).items.find((s) => s.how === 'totp')!;

  assert.equal(
    (await api('POST', `/api/v2/users/alice/sign-ins/${target.id}/not-me`, 'auditor')).status,
    401,
  );
  assert.equal((await api('POST', `/api/v2/users/alice/sign-ins/${bobRow.id}/not-me`, 'ops')).status, 404);
  assert.equal((await api('POST', '/api/v2/users/alice/sign-ins/999999/not-me', 'ops')).status, 404);
  const marked = await api('POST', `/api/v2/users/alice/sign-ins/${target.id}/not-me`, 'ops');
  assert.equal(marked.status, 200, JSON.stringify(marked.body));
  const until = Date.parse((marked.body as { muted_until: string }).muted_until);
  assert.ok(until > Date.now() + 10 * 60_000, 'muted for push.muteMinutes');
  const audit = site.server.logs.find((l) => l.event === 'audit.sign_in_not_me');
  assert.equal(audit?.user, 'alice');
  assert.equal(audit?.txn, target.txn);
  assert.equal(audit?.key, 'ops');
  assert.ok((await signIns('alice')).items.find((s) => s.id === target.id)?.not_me_at);

  const pushesBefore = site.push.received.length;
  const first = await site.radclient('User-Name = "alice"\nUser-Password = "alice-pw"\n');
  assert.match(first.stdout, /Reply-Message = "\+Enter token code/, 'push is still offered');
  const empty = await site.radclient(
    `User-Name = "alice"\nUser-Password = ""\nState = ${receivedState(first.stdout)}\n`,
  );
  assert.match(empty.stdout, /Received Access-Reject/, 'refused at once instead of held for a push');
  assert.equal(site.push.received.length, pushesBefore, 'no push was sent');
  const newest = (await signIns('alice')).items[0]!;
  assert.deepEqual([newest.result, newest.reason], ['rejected', 'PUSH_MUTED']);
});

test('every response above matches the OpenAPI document', async () => {
  const doc = await fetch(`${base}/api/openapi.json`);
  assert.ok(recorded.length >= 10);
  assert.deepEqual(checkAgainstOpenApi((await doc.json()) as never, recorded), []);
});
