// The user portal across two real `assent serve` processes on one PostgreSQL, behind no session affinity
// (SECURITY A12.2, docs/storage.md "Logins across nodes"): the password on node A, the push sent from A, the
// browser's long poll answered by node B once the phone approves (B reads the shared push row), the signed-in
// cookie taken by A, an authenticator app shown by A and confirmed by its first code on B (A12.6, the shared
// pending_totps row), and a sign-out on B that ends the session on A.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateTotp } from '../../src/otp/totp.js';
import { addUser, Cluster } from '../support/cluster.js';
import { runAuthenticator } from '../support/push-site.js';
import { cliEnv, runCli } from '../support/run-cli.js';
import { freePort } from '../support/slapd.js';

const cluster = new Cluster({
  tempPrefix: 'assent-portal-nodes-',
  database: 'assent_portal_nodes',
  secret: 'portal-across-nodes-secret',
  config: 'push: { enabled: true, timeoutSeconds: 25, maxPerUser: 20 }\n',
});
const { dir, configFile } = cluster;
const ports: number[] = [];
let replyTo = '';

const nodeEnv = (publicPort: number) => ({
  ASSENT_HTTP_PUBLIC_PORT: String(publicPort),
  ASSENT_PUSH_PUBLIC_URL: replyTo,
});
const phone = (args: readonly string[]) => runAuthenticator(join(dir, 'phone'), args);

/** One browser: its cookie and CSRF token, as the portal page keeps them. */
interface Browser {
  cookie: string | undefined;
  csrf: string | undefined;
}

/** A portal API call to the node on `port`, as the page makes it (JSON, its Origin, the cookie, the token). */
function call(port: number, browser: Browser, method: string, path: string, body?: unknown) {
  const host = `127.0.0.1:${port}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { host, origin: `https://${host}` };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (browser.cookie !== undefined) headers.cookie = browser.cookie;
  if (method !== 'GET' && browser.csrf !== undefined) headers['x-csrf-token'] = browser.csrf;
  const ca = readFileSync(join(dir, 'public-cert.pem'));
  return new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: `/my/api${path}`, headers, ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const set = res.headers['set-cookie']?.[0];
        if (set !== undefined)
          browser.cookie = set.split(';')[0]!.endsWith('=') ? undefined : set.split(';')[0];
        const json = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
        if (typeof json.csrf === 'string') browser.csrf = json.csrf;
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

before(async () => {
  await cluster.start();
  ports.push(await freePort(), await freePort());
  replyTo = `https://127.0.0.1:${ports[0]}`;
  await cluster.withStores((stores) => addUser(stores, 'alice', 'alice-pw'));
  await cluster.startNode('A', nodeEnv(ports[0]!));
  await cluster.startNode('B', nodeEnv(ports[1]!));
  const added = await runCli(
    dir,
    ['-c', configFile, 'token', 'add', '--user', 'alice', '--type', 'push'],
    '',
    cliEnv(nodeEnv(0)),
  );
  assert.equal(added.code, 0, added.stderr);
  const link = /https:\/\/\S+\/device\/v1\/activation\/[A-Za-z0-9_-]{22}/.exec(added.stdout)?.[0];
  const enrolled = await phone(['enroll', link!, '--ca', join(dir, 'public-cert.pem')]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
});

after(() => cluster.stop());

test('sign in on A, the push waited for on B, signed in on both; signed out on B is signed out on A', async () => {
  const [a, b] = ports as [number, number];
  const browser: Browser = { cookie: undefined, csrf: undefined };
  // The device reaches both nodes by the change feed: ask until A offers push.
  let stage = await call(a, browser, 'POST', '/sign-in', { username: 'alice', password: 'alice-pw' });
  for (let i = 0; i < 40 && !(stage.json.methods as string[] | undefined)?.includes('push'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    stage = await call(a, browser, 'POST', '/sign-in', { username: 'alice', password: 'alice-pw' });
  }
  assert.deepEqual(stage.json.methods, ['push'], JSON.stringify(stage.json));
  // Once a 500 here (`groupsOf … not in memory yet`): the push asked for the groups of a user changed since the
  // login index read it (the password's hash upgraded at this very sign-in) before reading the user again.
  const sent = await call(a, browser, 'POST', '/second-factor/push', {});
  assert.equal(sent.status, 200, JSON.stringify(sent.json));
  // The long poll goes to B, which did not send the push; the phone answers A.
  const waiting = call(b, browser, 'GET', '/second-factor/push');
  for (let i = 0; i < 50; i++) {
    const pending = await phone(['pending', '--json']);
    if (pending.stdout.trim() !== '') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const approved = await phone(['approve', '--latest']);
  assert.equal(approved.code, 0, approved.stderr);
  const done = await waiting;
  assert.equal(done.status, 200, JSON.stringify(done.json));
  assert.equal(done.json.state, 'signed-in');
  assert.equal(done.json.how, 'push');
  const onA = await call(a, browser, 'GET', '/devices');
  assert.equal(onA.status, 200, JSON.stringify(onA.json));
  // "Add an authenticator app": the QR code from A, the app's first code typed on B.
  const started = await call(a, browser, 'POST', '/devices/totp', { label: 'Phone app' });
  assert.equal(started.status, 201, JSON.stringify(started.json));
  const secret = decodeBase32(started.json.secret);
  assert.ok(secret.ok);
  const code = generateTotp(secret.bytes, Math.floor(Date.now() / 1000), {
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  const confirm = { pendingId: started.json.pendingId, code };
  const confirmed = await call(b, browser, 'POST', '/devices/totp/confirm', confirm);
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.json));
  assert.equal((await call(a, browser, 'POST', '/devices/totp/confirm', confirm)).status, 404, 'used once');
  const copy: Browser = { ...browser };
  assert.equal((await call(b, browser, 'POST', '/sign-out', {})).status, 204);
  // The cookie from before the sign-out, sent to A: that session is gone on every node.
  assert.equal((await call(a, copy, 'GET', '/devices')).status, 401);
  assert.deepEqual((await call(a, copy, 'GET', '/session')).json, { state: 'signed-out' });
});
