// Issue 13 over HTTP: the public listener serves device routes only and refuses bad bodies (SECURITY A8.1, A8.7,
// B5 #56–#62); answers are uniform; "this wasn't me" mutes; the admin listener reports health, readiness, metrics.
import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { call } from '../../src/authenticator/device-client.js';
import { answerSigningInput, base64url, signEs256 } from '../../src/domain/push-protocol.js';
import { type PushSite, startPushSite } from '../support/push-site.js';

let site: PushSite;
let device: { id: string; key: ReturnType<typeof createPrivateKey> };

before(async () => {
  site = await startPushSite({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'bob', password: 'bob-pw' },
    ],
    // A small budget, so the flood test below needs few requests (burst 40).
    config: { push: { timeoutSeconds: 20 }, http: { public: { rateLimitPerSecond: 20 } } },
  });
  // A device enrolled by hand, so the test can sign anything with its key.
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: ecdh.getPublicKey().subarray(1, 33).toString('base64url'),
    y: ecdh.getPublicKey().subarray(33).toString('base64url'),
    d: ecdh.getPrivateKey().toString('base64url'),
  };
  const enrolled = await call('POST', await site.activationLink('alice'), site.serverCert, {
    public_key: ecdh.getPublicKey().toString('base64url'),
    delivery: { kind: 'poll' },
  });
  assert.equal(enrolled.status, 201);
  device = {
    id: (enrolled.body as { device_id: string }).device_id,
    key: createPrivateKey({ key: jwk, format: 'jwk' }),
  };
  const bob = await site.authenticator(
    ['enroll', await site.activationLink('bob'), '--ca', site.certFile],
    `${site.home}-bob`,
  );
  assert.equal(bob.code, 0, bob.stderr);
});
after(async () => {
  await site?.stop();
});

const publicPort = () => site.server.server.http.publicPort!;
const adminUrl = (path: string) => `http://127.0.0.1:${site.server.server.http.adminPort}${path}`;

/** A raw request to the public listener: any method, content type and body. */
function raw(method: string, path: string, body: string | Buffer, contentType = 'application/json') {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: publicPort(),
          path,
          method,
          ca: site.serverCert,
          headers: { 'content-type': contentType },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

function signedAnswer(
  sessionId: string,
  decision: 'approve' | 'deny',
  reason: '' | 'not_me' = '',
  time = new Date(),
) {
  const unsigned = {
    session_id: sessionId,
    device_id: device.id,
    decision,
    reason,
    number: '',
    time: time.toISOString(),
  };
  return { ...unsigned, signature: base64url.encode(signEs256(device.key, answerSigningInput(unsigned)!)) };
}

const radclient = (attributes: string, wait = 1) => site.radclient(attributes, wait);

/** Starts a push for `user` through RADIUS; returns its session id and the held request's eventual reply. */
async function pushFor(user: string) {
  const first = await radclient(`User-Name = "${user}"\nUser-Password = "${user}-pw"\n`);
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))?.[1];
  assert.ok(state, first.stdout);
  const held = radclient(`User-Name = "${user}"\nState = ${state}\n`, 25);
  for (let i = 0; i < 50; i++) {
    const started = site.server.logs.filter((l) => l.event === 'push.started' && l.user === user).at(-1);
    const txn = started?.txn;
    if (txn !== undefined && !site.server.logs.some((l) => l.event === 'push.decided' && l.txn === txn)) {
      const r = await site.authenticator(
        ['pending', '--json'],
        user === 'bob' ? `${site.home}-bob` : site.home,
      );
      const open = r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { session_id: string });
      if (user === 'bob' && open.length > 0) return { sessionId: open[0]!.session_id, held };
      if (user === 'alice') {
        const sessions = await pendingOfDevice();
        if (sessions.length > 0) return { sessionId: sessions[0]!, held };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no push started for ${user}`);
}

/** alice's open session ids, polled with the hand-enrolled device's key. */
async function pendingOfDevice(): Promise<string[]> {
  const time = new Date().toISOString();
  const nonce = base64url.encode(randomBytes(16));
  const input = new TextEncoder().encode(['assent-poll-v1', device.id, time, nonce].join('\n'));
  const signature = base64url.encode(signEs256(device.key, input));
  const query = new URLSearchParams({ device_id: device.id, time, nonce, signature });
  const r = await call('GET', `${site.publicUrl}/device/v1/pending?${query}`, site.serverCert);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { requests } = r.body as { requests: { request: string }[] };
  return requests.map(
    (e) => (JSON.parse(Buffer.from(e.request, 'base64url').toString()) as { session_id: string }).session_id,
  );
}

test('A8.1: the public listener serves device routes only; admin routes are not there', async () => {
  for (const path of ['/metrics', '/healthz', '/readyz', '/api/v1/pushauth/']) {
    const r = await raw('GET', path, '');
    assert.equal(r.status, 404, path);
    assert.deepEqual(JSON.parse(r.body), { error: 'not_found' });
  }
});

test('B5 #62: wrong content type 415, over 16 KiB 413, duplicate keys and deep JSON 400', async () => {
  assert.equal(
    (await raw('POST', '/device/v1/answer', 'session_id=x', 'application/x-www-form-urlencoded')).status,
    415,
  );
  assert.equal((await raw('POST', '/device/v1/answer', Buffer.alloc(17 * 1024, 0x20))).status, 413);
  const duplicate = await raw('POST', '/device/v1/answer', '{"decision":"deny","decision":"approve"}');
  assert.equal(duplicate.status, 400);
  assert.match(JSON.parse(duplicate.body).detail, /duplicate key/);
  assert.equal((await raw('POST', '/device/v1/answer', `${'['.repeat(40)}${']'.repeat(40)}`)).status, 400);
});

test('B5 #60: unknown session, bad signature, empty body: the same 401 body', async () => {
  const unknown = signedAnswer(base64url.encode(randomBytes(16)), 'approve');
  const badSignature = { ...signedAnswer(base64url.encode(randomBytes(16)), 'approve'), signature: 'AAAA' };
  const bodies = [JSON.stringify(unknown), JSON.stringify(badSignature), '', '{}'];
  const answers = await Promise.all(bodies.map((b) => raw('POST', '/device/v1/answer', b)));
  for (const a of answers) {
    assert.equal(a.status, 401);
    assert.deepEqual(JSON.parse(a.body), { error: 'unauthorized' });
  }
});

test('TLS below 1.2 is refused', async () => {
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port: publicPort(),
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
      ca: site.serverCert,
    });
    socket.on('secureConnect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
  assert.ok(refused, 'a TLS 1.1 handshake must fail');
});

test('B5 #57, #59: the same approve twice gets the same 200; a changed decision under the old signature 401; deny after approve 409', async () => {
  const { sessionId, held } = await pushFor('alice');
  const approve = signedAnswer(sessionId, 'approve');
  const tampered = { ...signedAnswer(sessionId, 'deny'), decision: 'approve' };
  assert.equal((await raw('POST', '/device/v1/answer', JSON.stringify(tampered))).status, 401);
  const first = await raw('POST', '/device/v1/answer', JSON.stringify(approve));
  assert.equal(first.status, 200, first.body);
  assert.deepEqual(JSON.parse(first.body), { result: 'approved' });
  const second = await raw('POST', '/device/v1/answer', JSON.stringify(approve));
  assert.deepEqual([second.status, JSON.parse(second.body)], [200, { result: 'approved' }]);
  const deny = await raw('POST', '/device/v1/answer', JSON.stringify(signedAnswer(sessionId, 'deny')));
  assert.deepEqual(
    [deny.status, JSON.parse(deny.body)],
    [409, { error: 'already_decided', result: 'approved' }],
  );
  assert.match((await held).stdout, /Received Access-Accept/);
});

test('B5 #56, #61: an answer or poll whose time is 2 minutes off is refused with 401', async () => {
  const stale = signedAnswer(
    base64url.encode(randomBytes(16)),
    'approve',
    '',
    new Date(Date.now() - 120_000),
  );
  assert.equal((await raw('POST', '/device/v1/answer', JSON.stringify(stale))).status, 401);
  const query = new URLSearchParams({
    device_id: device.id,
    time: 'yesterday',
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
    signature: 'AA',
  });
  assert.equal(
    (await call('GET', `${site.publicUrl}/device/v1/pending?${query}`, site.serverCert)).status,
    401,
  );
});

test("A7.5: another user's device cannot answer alice's push", async () => {
  const { sessionId, held } = await pushFor('alice');
  const bobAnswer = await site.authenticator(['approve', sessionId], `${site.home}-bob`);
  assert.equal(bobAnswer.code, 1, 'bob sees no such request');
  const refused = await raw('POST', '/device/v1/answer', JSON.stringify(signedAnswer(sessionId, 'deny')));
  assert.equal(refused.status, 200, 'alice may still answer');
  assert.match((await held).stdout, /Received Access-Reject/);
});

test('A7.8: "this wasn\'t me" rejects, writes audit.push_not_me, and mutes pushes to the user', async () => {
  const { held } = await pushFor('bob');
  const notMe = await site.authenticator(['deny', '--latest', '--not-me'], `${site.home}-bob`);
  assert.match(notMe.stdout, /denied/, notMe.stderr);
  assert.match((await held).stdout, /Received Access-Reject/);
  assert.ok(site.server.logs.some((l) => l.event === 'audit.push_not_me' && l.user === 'bob'));
  const first = await radclient('User-Name = "bob"\nUser-Password = "bob-pw"\n');
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))?.[1];
  const again = await radclient(`User-Name = "bob"\nState = ${state}\n`, 3);
  assert.match(again.stdout, /Received Access-Reject/);
  assert.ok(
    site.server.logs.some(
      (l) => l.event === 'radius.decision' && l.user === 'bob' && l.reason === 'PUSH_MUTED',
    ),
  );
});

test('token list shows the devices; token remove revokes one: its next poll is refused (SECURITY C11)', async () => {
  const bobHome = `${site.home}-bob`;
  const id = /ASNP\d{8}/.exec((await site.authenticator(['list'], bobHome)).stdout)?.[0];
  assert.ok(id);
  assert.match(
    (await site.assent(['token', 'list', '--user', 'bob'])).stdout,
    new RegExp(`${id}\tbob\tpush\tpoll`),
  );
  const removed = await site.assent(['token', 'remove', id]);
  assert.equal(removed.code, 0, removed.stderr);
  const pending = await site.authenticator(['pending'], bobHome);
  assert.equal(pending.code, 1);
  assert.match(pending.stderr, /polling refused: 401/);
});

test('admin listener: /healthz, /readyz with its checks, /metrics with RADIUS and push series', async () => {
  const health = await fetch(adminUrl('/healthz'));
  assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
  const ready = await fetch(adminUrl('/readyz'));
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), {
    status: 'ready',
    checks: { database: 'ok', key: 'ok', push_delivery: 'ok' },
  });
  const metrics = await (await fetch(adminUrl('/metrics'))).text();
  for (const series of [
    'assent_radius_requests_total',
    'assent_radius_replies_total{code="access-challenge"}',
    'assent_radius_replies_unsent_total 0',
    'assent_decisions_total{reason="PUSH_MUTED"} 1',
    'assent_push_pending 0',
    'assent_push_answers_total{result="approved"}',
    'assent_decision_seconds_bucket',
    'assent_http_requests_total',
  ]) {
    assert.ok(metrics.includes(series), `missing ${series}`);
  }
});

test("B5 #62: a flood from one address gets 429 with Retry-After (last: it spends this address's budget)", async () => {
  const answers = await Promise.all(Array.from({ length: 80 }, () => raw('GET', '/device/v1/pending', '')));
  const limited = answers.filter((a) => a.status === 429);
  assert.ok(limited.length > 0, 'some requests were limited');
  assert.ok(Number(limited[0]!.headers['retry-after']) >= 1);
});
