// The Web Push sender against a loopback push service: each status ends as the issue says (404/410 gone, 4xx
// rejected, 429 waits its Retry-After, 5xx and 507 retried within the window), and nothing retries past it.
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { Agent } from 'node:https';
import { after, before, test } from 'node:test';
import webpush from 'web-push';
import { createWebPushSender } from '../../src/push/web-push-sender.js';
import { type FakePushService, startFakePushService } from '../support/fake-push-service.js';

let service: FakePushService;
let agent: Agent;
const vapid = { subject: 'mailto:security@assent-project.org', ...webpush.generateVAPIDKeys() };

before(async () => {
  service = await startFakePushService();
  agent = new Agent({ ca: service.certificate });
});
after(async () => {
  agent.destroy();
  await service.stop();
});

function subscription() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint: `${service.origin}/wpush/${randomBytes(4).toString('hex')}`,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  };
}

/** A sender whose pauses are recorded instead of waited, on a clock the pauses move. */
function sender() {
  let now = Date.now();
  const pauses: number[] = [];
  const send = createWebPushSender({
    vapid,
    agent,
    now: () => now,
    sleep: async (ms) => {
      pauses.push(ms);
      now += ms;
    },
  });
  return { send, pauses, deadline: () => now + 10_000 };
}

test('201: sent, with TTL, Urgency high, Topic and an aes128gcm body', async () => {
  service.answerWith(201);
  const { send, deadline } = sender();
  const result = await send.send(subscription(), '{"x":1}', {
    ttlSeconds: 42,
    topic: 'abc',
    deadline: deadline(),
  });
  assert.deepEqual(result, { kind: 'sent', status: 201 });
  const message = service.received.at(-1)!;
  assert.equal(message.headers.ttl, '42');
  assert.equal(message.headers.urgency, 'high');
  assert.equal(message.headers.topic, 'abc');
  assert.equal(message.headers['content-encoding'], 'aes128gcm');
  assert.match(message.headers.authorization!, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
});

test('404 and 410: gone at once, no retry', async () => {
  for (const status of [404, 410]) {
    service.answerWith(status);
    const { send, pauses, deadline } = sender();
    const before = service.received.length;
    assert.deepEqual(
      await send.send(subscription(), 'x', { ttlSeconds: 5, topic: 't', deadline: deadline() }),
      {
        kind: 'gone',
        status,
      },
    );
    assert.equal(service.received.length, before + 1);
    assert.deepEqual(pauses, []);
  }
});

test('400 and 403: rejected (a configuration problem), no retry', async () => {
  service.answerWith(403);
  const { send, pauses, deadline } = sender();
  const result = await send.send(subscription(), 'x', { ttlSeconds: 5, topic: 't', deadline: deadline() });
  assert.equal(result.kind, 'rejected');
  assert.deepEqual(pauses, []);
});

test('429 waits its Retry-After; 5xx and 507 back off; all stop at the push window', async () => {
  service.answerWith(429, { 'retry-after': '3' });
  const limited = sender();
  const result = await limited.send.send(subscription(), 'x', {
    ttlSeconds: 5,
    topic: 't',
    deadline: limited.deadline(),
  });
  assert.equal(result.kind, 'failed');
  assert.deepEqual(limited.pauses.slice(0, 3), [3000, 3000, 3000], 'Retry-After honoured');
  assert.ok(limited.pauses.reduce((a, b) => a + b, 0) < 10_000, 'never past the deadline');
  for (const status of [500, 503, 507]) {
    service.answerWith(status);
    const failing = sender();
    const r = await failing.send.send(subscription(), 'x', {
      ttlSeconds: 5,
      topic: 't',
      deadline: failing.deadline(),
    });
    assert.deepEqual([r.kind, 'status' in r ? r.status : undefined], ['failed', status]);
    assert.deepEqual(failing.pauses.slice(0, 3), [500, 1000, 2000], 'exponential backoff');
  }
});

test('a push service that recovers within the window gets the message', async () => {
  service.answerWith(503);
  let now = Date.now();
  const send = createWebPushSender({
    vapid,
    agent,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      service.answerWith(201);
    },
  });
  const result = await send.send(subscription(), 'x', { ttlSeconds: 5, topic: 't', deadline: now + 10_000 });
  assert.deepEqual(result, { kind: 'sent', status: 201 });
});

test('an unreachable push service fails within the window, without a throw', async () => {
  const { send, deadline } = sender();
  const closed = { endpoint: 'https://127.0.0.1:9/wpush/x', keys: subscription().keys };
  const result = await send.send(closed, 'x', { ttlSeconds: 5, topic: 't', deadline: deadline() });
  assert.equal(result.kind, 'failed');
});
