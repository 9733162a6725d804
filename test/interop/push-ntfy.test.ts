// ntfy (UnifiedPush) delivery end to end: the command-line authenticator enrolls with `--ntfy`, `watch` listens
// on the topic's JSON stream of a fake ntfy server, radclient's login is published there (encrypted, no VAPID, no
// VAPID subject even configured), the CLI decrypts and verifies it and shows it long before its next poll, and the
// user's y on the terminal → Access-Accept. Forged messages are ignored; a dropped stream is reopened.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import webpush from 'web-push';
import type { Account } from '../../src/authenticator/account-store.js';
import { base64url, rawPublicKey, sealRequest } from '../../src/domain/push-protocol.js';
import type { FakeNtfy } from '../support/fake-ntfy.js';
import { type PushSite, startPushSite, type WatchSession } from '../support/push-site.js';

let site: PushSite;
let ntfy: FakeNtfy;
let watch: WatchSession;
let account: Account;
const topic = `up${randomBytes(9).toString('base64url')}`;
/** `watch` polls this seldom: a request shown within seconds of the login came over ntfy. */
const POLL_SECONDS = 60;

before(async () => {
  site = await startPushSite({
    users: [{ name: 'alice', password: 'alice-pw', groups: ['vpn'] }],
    ntfy: true,
    // No VAPID subject: no Web Push delivery at all, and ntfy still gets every push.
    config: { push: { timeoutSeconds: 15, maxPerUser: 50, vapidSubject: '' } },
  });
  ntfy = site.ntfy!.service;
  const enrolled = await site.authenticator([
    'enroll',
    await site.activationLink('alice'),
    '--ca',
    site.certFile,
    '--ntfy',
    `${ntfy.origin}/${topic}`,
    '--ntfy-ca',
    site.ntfy!.certFile,
  ]);
  assert.equal(enrolled.code, 0, `enroll exited ${enrolled.code}:\n${enrolled.stdout}${enrolled.stderr}`);
  assert.match(enrolled.stdout, new RegExp(`pushes arrive over ntfy at ${ntfy.origin}/${topic} `));
  const dir = join(site.home, 'accounts');
  const file = join(dir, readdirSync(dir)[0]!);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the receiver key is kept like the signing key');
  account = JSON.parse(readFileSync(file, 'utf8')) as Account;
  assert.ok(
    site.server.logs.some((l) => l.event === 'push.enrolled' && l.delivery === 'ntfy'),
    'the server registered a ntfy delivery',
  );
  watch = site.watch(['--interval', String(POLL_SECONDS)]);
  await ntfy.waitForSubscriber(topic);
  await watch.waitFor(/listening for pushes/);
});
after(async () => {
  await watch?.stop();
  await site?.stop();
});

const stateOf = (stdout: string) =>
  /State = (0x[0-9a-f]+)/.exec(stdout.slice(stdout.indexOf('Received')))?.[1];

/** Password → Access-Challenge; then the empty answer that starts the push, held while the user decides. */
async function startLogin() {
  const first = await site.radclient('User-Name = "alice"\nUser-Password = "alice-pw"\n');
  assert.match(first.stdout, /Received Access-Challenge/, first.stdout + first.stderr);
  const state = stateOf(first.stdout)!;
  const startedAt = Date.now();
  const held = site.radclient(`User-Name = "alice"\nUser-Password = ""\nState = ${state}\n`, 20);
  return { startedAt, held };
}

test('list names the ntfy topic; the account keeps its receiver key and auth secret', async () => {
  const listed = await site.authenticator(['list']);
  assert.match(listed.stdout, new RegExp(`\\tntfy ${ntfy.origin}/${topic}\\n`));
  assert.equal(account.ntfy?.endpoint, `${ntfy.origin}/${topic}?up=1`, "ntfy's UnifiedPush mode");
  assert.match(account.ntfy?.receiverKey ?? '', /BEGIN PRIVATE KEY/);
  assert.equal(base64url.decode(account.ntfy?.auth ?? '')?.length, 16);
});

test('messages on the topic that do not decrypt or verify are ignored with a warning, never shown', async () => {
  const from = watch.output().length;
  assert.equal(await ntfy.publish(topic, new TextEncoder().encode('hello from anyone')), 200);
  await watch.waitFor(/ignored a ntfy message for ASNP\d{8}: it does not decrypt/, 10_000, from);
  // Encrypted to this device's receiver key (anyone who knows the topic and the key could), but not signed by the
  // server: SECURITY A7.4.
  const receiver = createPrivateKey(account.ntfy!.receiverKey);
  const forgedBy = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = Date.now();
  const forged = sealRequest(
    {
      v: 1,
      session_id: base64url.encode(randomBytes(16)),
      user: 'alice',
      client: 'evil',
      user_ip: '',
      time: new Date(now).toISOString(),
      expires: new Date(now + 60_000).toISOString(),
      number_matching: false,
      reply_to: site.publicUrl,
    },
    forgedBy,
  );
  const body = webpush.encrypt(
    base64url.encode(rawPublicKey(receiver)),
    account.ntfy!.auth,
    JSON.stringify(forged),
    'aes128gcm',
  ).cipherText;
  assert.equal(await ntfy.publish(topic, body), 200);
  await watch.waitFor(/ignored a ntfy message for ASNP\d{8}: its signature does not verify/, 10_000, from);
  assert.doesNotMatch(watch.output().slice(from), /evil|Approve this sign-in/);
});

test('a login is pushed over ntfy, decrypted and shown at once; y on the terminal → Access-Accept', async () => {
  const from = watch.output().length;
  const published = ntfy.published.length;
  const { startedAt, held } = await startLogin();
  const shown = await watch.waitFor(/(\S+) {2}alice at local.*\(pushed over ntfy\)/, 10_000, from);
  const waited = Date.now() - startedAt;
  assert.ok(waited < 10_000, `shown after ${waited} ms; polling alone would take up to ${POLL_SECONDS} s`);
  await watch.waitFor(/Approve this sign-in\?/, 5_000, from);
  watch.type('y');
  await watch.waitFor(/: approved/, 10_000, from);
  const reply = await held;
  assert.match(reply.stdout, /Received Access-Accept/, reply.stdout + reply.stderr);

  const sessionId = shown[1]!;
  const message = ntfy.published.slice(published).find((p) => p.topic === topic && p.status === 200);
  assert.ok(message, 'published to the topic');
  assert.equal(message.query.get('up'), '1');
  assert.equal(message.headers.authorization, undefined, 'no VAPID header to ntfy');
  assert.equal(message.headers['content-encoding'], 'aes128gcm');
  assert.equal(message.headers.urgency, 'high');
  assert.equal(message.headers.topic, sessionId.slice(0, 32));
  assert.ok(Number(message.headers.ttl) > 0 && Number(message.headers.ttl) <= 15);
  assert.ok(
    site.server.logs.some((l) => l.event === 'push.sent' && l.result === 'sent'),
    'the delivery is logged like a Web Push one',
  );
});

test('a dropped stream is reopened, and the next login still comes over ntfy; n → Access-Reject', async () => {
  const from = watch.output().length;
  ntfy.dropStreams();
  await watch.waitFor(/the stream ended; trying again in 1 s/, 10_000, from);
  const reopened = watch.output().length;
  await watch.waitFor(/listening for pushes/, 10_000, reopened);
  await ntfy.waitForSubscriber(topic);
  const { startedAt, held } = await startLogin();
  await watch.waitFor(/alice at local.*\(pushed over ntfy\)/, 10_000, reopened);
  assert.ok(Date.now() - startedAt < 10_000);
  await watch.waitFor(/Approve this sign-in\?/, 5_000, reopened);
  watch.type('n');
  await watch.waitFor(/: denied/, 10_000, reopened);
  const reply = await held;
  assert.match(reply.stdout, /Received Access-Reject/, reply.stdout + reply.stderr);
});
