// The push sender against a loopback push service and a fake ntfy: each status ends as the issue says (404/410
// gone, 4xx rejected, 429 waits its Retry-After, 5xx and 507 retried within the window), nothing retries past it,
// and a ntfy topic gets the same encrypted message without VAPID.
import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, randomBytes } from 'node:crypto';
import { Agent } from 'node:https';
import { after, before, test } from 'node:test';
import webpush from 'web-push';
import { decryptPushMessage } from '../../src/authenticator/web-push-decrypt.js';
import type { PushServiceDelivery } from '../../src/domain/push-delivery.js';
import { createWebPushSender } from '../../src/push/web-push-sender.js';
import { type FakeNtfy, startFakeNtfy } from '../support/fake-ntfy.js';
import { type FakePushService, startFakePushService } from '../support/fake-push-service.js';

let service: FakePushService;
let ntfy: FakeNtfy;
let agent: Agent;
const vapid = { subject: 'mailto:security@assent-project.org', ...webpush.generateVAPIDKeys() };

before(async () => {
  service = await startFakePushService();
  ntfy = await startFakeNtfy();
  agent = new Agent({ ca: [service.certificate, ntfy.certificate] });
});
after(async () => {
  agent.destroy();
  await service.stop();
  await ntfy.stop();
});

/** A receiver's keys as a browser or the authenticator makes them; the private half kept to decrypt. */
function receiverKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const publicKey = ecdh.getPublicKey();
  const keys = { p256dh: publicKey.toString('base64url'), auth: randomBytes(16).toString('base64url') };
  const privateKey = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: ecdh.getPrivateKey().toString('base64url'),
      x: publicKey.subarray(1, 33).toString('base64url'),
      y: publicKey.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  return { keys, receiver: { privateKey, auth: new Uint8Array(Buffer.from(keys.auth, 'base64url')) } };
}

function subscription(): PushServiceDelivery {
  const endpoint = `${service.origin}/wpush/${randomBytes(4).toString('hex')}`;
  return { kind: 'webpush', subscription: { endpoint, keys: receiverKeys().keys } };
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
  const closed: PushServiceDelivery = {
    kind: 'webpush',
    subscription: { endpoint: 'https://127.0.0.1:9/wpush/x', keys: receiverKeys().keys },
  };
  const result = await send.send(closed, 'x', { ttlSeconds: 5, topic: 't', deadline: deadline() });
  assert.equal(result.kind, 'failed');
});

/** A ntfy UnifiedPush topic's delivery: the endpoint carries `?up=1`, as ntfy's distributor hands it out. */
function ntfyTopic() {
  const topic = `up${randomBytes(9).toString('base64url')}`;
  const { keys, receiver } = receiverKeys();
  const delivery: PushServiceDelivery = {
    kind: 'ntfy',
    subscription: { endpoint: `${ntfy.origin}/${topic}?up=1`, keys },
  };
  return { topic, delivery, receiver };
}

test('ntfy: 507 until the topic has a subscriber, then sent: no Authorization, the same aes128gcm message', async () => {
  const { topic, delivery, receiver } = ntfyTopic();
  let now = Date.now();
  const pauses: number[] = [];
  let listening: Awaited<ReturnType<FakeNtfy['subscribe']>> | undefined;
  // No VAPID identity at all: ntfy needs none (push.vapidSubject empty).
  const send = createWebPushSender({
    agent,
    now: () => now,
    sleep: async (ms) => {
      pauses.push(ms);
      now += ms;
      // The authenticator starts listening while the server retries.
      if (pauses.length === 2) listening = await ntfy.subscribe(topic);
    },
  });
  const payload = '{"request":"eyJ2IjoxfQ","signature":"c2ln"}';
  const result = await send.send(delivery, payload, {
    ttlSeconds: 30,
    topic: 'sess',
    deadline: now + 10_000,
  });
  assert.deepEqual(result, { kind: 'sent', status: 200 });
  assert.deepEqual(pauses, [500, 1000], 'two 507s backed off, the third try went through');
  const tries = ntfy.published.filter((p) => p.topic === topic);
  assert.deepEqual(
    tries.map((p) => p.status),
    [507, 507, 200],
  );
  const sent = tries.at(-1)!;
  assert.equal(sent.query.get('up'), '1', 'published to the endpoint as given');
  assert.equal(sent.headers.authorization, undefined, 'no VAPID: ntfy would read it as its own credentials');
  assert.equal(sent.headers['content-encoding'], 'aes128gcm');
  assert.equal(sent.headers.ttl, '30');
  assert.equal(sent.headers.urgency, 'high');
  assert.equal(sent.headers.topic, 'sess');
  const plaintext = decryptPushMessage(new Uint8Array(sent.body), receiver);
  assert.equal(plaintext && Buffer.from(plaintext).toString('utf8'), payload);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const message = listening!.events.find((e) => e.event === 'message')!;
  assert.equal(message.encoding, 'base64', 'a binary body is streamed base64');
  assert.deepEqual(Buffer.from(message.message!, 'base64'), sent.body);
  listening!.close();
});

test('ntfy: 404 and 410 are gone at once (the device falls back to polling)', async () => {
  for (const status of [404, 410]) {
    ntfy.answerWith(status);
    const { delivery } = ntfyTopic();
    const { send, pauses, deadline } = sender();
    const result = await send.send(delivery, 'x', { ttlSeconds: 5, topic: 't', deadline: deadline() });
    assert.deepEqual(result, { kind: 'gone', status });
    assert.deepEqual(pauses, []);
  }
  ntfy.answerWith(undefined);
});

test('ntfy: a VAPID identity configured for Web Push is still not sent to ntfy', async () => {
  const { topic, delivery } = ntfyTopic();
  const listening = await ntfy.subscribe(topic);
  const { send, deadline } = sender();
  assert.equal(send.reaches('ntfy'), true);
  const result = await send.send(delivery, 'x', { ttlSeconds: 5, topic: 't', deadline: deadline() });
  assert.deepEqual(result, { kind: 'sent', status: 200 });
  assert.equal(ntfy.published.at(-1)!.headers.authorization, undefined);
  listening.close();
});

test('without a VAPID identity Web Push is out of reach and nothing is sent; ntfy is reached', async () => {
  const send = createWebPushSender({ agent });
  assert.equal(send.reaches('webpush'), false);
  assert.equal(send.reaches('ntfy'), true);
  const before = service.received.length;
  const result = await send.send(subscription(), 'x', {
    ttlSeconds: 5,
    topic: 't',
    deadline: Date.now() + 5000,
  });
  assert.equal(result.kind, 'failed');
  assert.equal(service.received.length, before, 'a Web Push service would refuse an anonymous message');
});
