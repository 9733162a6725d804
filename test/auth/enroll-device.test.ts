// Enrollment's `delivery` (docs/push.md §3): a ntfy topic is taken with the same checks as a Web Push subscription
// (RFC 8291 key sizes, https or loopback http) and kept as its own kind; anything else is a 400.
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createActivateDevice, createActivation } from '../../src/auth/enroll-device.js';
import type { PushDelivery } from '../../src/domain/push-device.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';

const point = () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey().toString('base64url');
};

/** A store, an activation for alice, and enrollment as the device API runs it. */
function site() {
  const devices = new MemoryPushDeviceStore();
  const enrolled: PushDelivery['kind'][] = [];
  const activate = createActivateDevice(
    devices,
    {
      publicUrl: 'https://assent.example.com',
      serverName: 'Assent',
      serverKey: new Uint8Array(65),
      vapidPublicKey: '',
    },
    { refused: () => {}, enrolled: (_user, _device, kind) => enrolled.push(kind) },
  );
  const enroll = async (delivery: unknown) => {
    const { code } = await createActivation(devices, 'https://assent.example.com', 'alice', '', new Date());
    return activate(code, { public_key: point(), delivery }, '192.0.2.1');
  };
  return { devices, enrolled, enroll };
}

const keys = () => ({ p256dh: point(), auth: randomBytes(16).toString('base64url') });

test('a ntfy topic enrolls as kind ntfy with its endpoint and keys as given', async () => {
  const { devices, enrolled, enroll } = site();
  const delivery = { kind: 'ntfy', endpoint: 'https://ntfy.example.net/upAbC123?up=1', keys: keys() };
  const reply = await enroll(delivery);
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  const device = devices.listForUser('alice')[0]!;
  assert.deepEqual(device.delivery, {
    kind: 'ntfy',
    subscription: { endpoint: delivery.endpoint, keys: delivery.keys },
  });
  assert.deepEqual(enrolled, ['ntfy'], 'the log line names the kind');
});

test('a ntfy topic is refused like a Web Push subscription: key sizes, scheme, shape', async () => {
  const { devices, enroll } = site();
  const good = { kind: 'ntfy', endpoint: 'https://ntfy.example.net/upAbC123?up=1', keys: keys() };
  const refused: unknown[] = [
    { ...good, keys: { ...good.keys, auth: randomBytes(15).toString('base64url') } },
    { ...good, keys: { ...good.keys, p256dh: randomBytes(64).toString('base64url') } },
    { ...good, keys: { p256dh: good.keys.p256dh } },
    { ...good, endpoint: 'http://ntfy.example.net/upAbC123?up=1' },
    { ...good, endpoint: 'ntfy.example.net/upAbC123' },
    { ...good, kind: 'unifiedpush' },
    { kind: 'ntfy' },
  ];
  for (const delivery of refused) {
    const reply = await enroll(delivery);
    assert.equal(reply.status, 400, JSON.stringify(delivery));
    assert.match(JSON.stringify(reply.body), /a ntfy topic/);
  }
  assert.equal(
    (await enroll({ ...good, endpoint: 'http://127.0.0.1:8080/upAbC123?up=1' })).status,
    201,
    'loopback',
  );
  assert.equal(devices.list().length, 1);
});
