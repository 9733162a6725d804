// Owns the conformance suite every PushDeviceStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import type { NewPushDevice, PushDeviceStore } from '../../src/domain/push-device.js';

export type MakePushDeviceStore = () => Awaitable<PushDeviceStore>;

const point = (fill: number) => {
  const key = new Uint8Array(65).fill(fill);
  key[0] = 4;
  return key;
};

const device = (id: string, userName = 'alice'): NewPushDevice => ({
  id,
  userName,
  publicKey: point(id.charCodeAt(id.length - 1)),
  delivery: { kind: 'poll' },
  label: `${userName}'s phone`,
});

const hash = (code: string) => new Uint8Array(createHash('sha256').update(code).digest());

export function runPushDeviceStoreConformance(name: string, makeStore: MakePushDeviceStore): void {
  describe(`PushDeviceStore conformance: ${name}`, () => {
    test('add, get, listForUser and list return what was stored; a used id is ALREADY_EXISTS', async () => {
      const store = await makeStore();
      const added = await store.add(device('ASNP00000001'));
      assert.equal(added.userName, 'alice');
      assert.equal(added.lastSeenAt, null);
      assert.deepEqual(Array.from((await store.get('ASNP00000001'))!.publicKey), Array.from(point(49)));
      await store.add(device('ASNP00000002', 'bob'));
      await store.add(device('ASNP00000003'));
      assert.deepEqual(
        (await store.listForUser('alice')).map((d) => d.id),
        ['ASNP00000001', 'ASNP00000003'],
      );
      assert.equal((await store.list()).length, 3);
      await assert.rejects(
        async () => store.add(device('ASNP00000001', 'carol')),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.AlreadyExists,
      );
    });

    test('a Web Push subscription round-trips; setDelivery falls back to polling; remove revokes', async () => {
      const store = await makeStore();
      const subscription = { endpoint: 'https://push.example.net/x', keys: { p256dh: 'BP', auth: 'au' } };
      await store.add({ ...device('ASNP00000001'), delivery: { kind: 'webpush', subscription } });
      assert.deepEqual((await store.get('ASNP00000001'))!.delivery, { kind: 'webpush', subscription });
      assert.equal(await store.setDelivery('ASNP00000001', { kind: 'poll' }), true);
      assert.deepEqual((await store.get('ASNP00000001'))!.delivery, { kind: 'poll' });
      await store.touch('ASNP00000001', new Date('2026-12-03T10:00:00.000Z'));
      assert.equal((await store.get('ASNP00000001'))!.lastSeenAt, '2026-12-03T10:00:00.000Z');
      assert.equal(await store.remove('ASNP00000001'), true);
      assert.equal(await store.remove('ASNP00000001'), false);
      assert.equal(await store.get('ASNP00000001'), undefined);
      assert.equal(await store.setDelivery('ASNP00000001', { kind: 'poll' }), false);
    });

    test('setLabel renames only the named device; its key, delivery and times stay', async () => {
      const store = await makeStore();
      await store.add(device('ASNP00000001'));
      await store.add(device('ASNP00000002'));
      await store.touch('ASNP00000001', new Date('2026-12-03T10:00:00.000Z'));
      const before = (await store.get('ASNP00000001'))!;
      assert.equal(await store.setLabel('ASNP00000001', 'Pixel 8'), true);
      const after = (await store.get('ASNP00000001'))!;
      assert.equal(after.label, 'Pixel 8');
      assert.deepEqual({ ...after, label: before.label }, before);
      assert.equal((await store.listForUser('alice'))[0]!.label, 'Pixel 8');
      assert.equal((await store.get('ASNP00000002'))!.label, "alice's phone");
      assert.equal(await store.setLabel('ASNP00000009', 'x'), false);
    });

    test('a ntfy topic round-trips with its keys, and a gone one falls back to polling', async () => {
      const store = await makeStore();
      const subscription = {
        endpoint: 'https://ntfy.example.net/upAbC123?up=1',
        keys: { p256dh: 'BP', auth: 'au' },
      };
      await store.add({ ...device('ASNP00000004'), delivery: { kind: 'ntfy', subscription } });
      assert.deepEqual((await store.get('ASNP00000004'))!.delivery, { kind: 'ntfy', subscription });
      assert.deepEqual((await store.listForUser('alice'))[0]!.delivery, { kind: 'ntfy', subscription });
      assert.equal(await store.setDelivery('ASNP00000004', { kind: 'poll' }), true);
      assert.deepEqual((await store.get('ASNP00000004'))!.delivery, { kind: 'poll' });
      assert.equal(await store.setDelivery('ASNP00000004', { kind: 'ntfy', subscription }), true);
      assert.deepEqual((await store.list())[0]!.delivery, { kind: 'ntfy', subscription });
    });

    test('an activation is taken once, only before it expires, only by its own code (SECURITY A8.9)', async () => {
      const store = await makeStore();
      const now = new Date('2026-12-03T10:00:00.000Z');
      await store.addActivation({
        codeHash: hash('a'),
        userName: 'alice',
        label: 'x',
        expiresAt: '2026-12-03T10:10:00.000Z',
      });
      await store.addActivation({
        codeHash: hash('b'),
        userName: 'bob',
        label: '',
        expiresAt: '2026-12-03T10:10:00.000Z',
      });
      assert.equal(await store.takeActivation(hash('c'), now), undefined);
      assert.deepEqual(await store.takeActivation(hash('a'), now), { userName: 'alice', label: 'x' });
      assert.equal(await store.takeActivation(hash('a'), now), undefined, 'single use');
      assert.equal(
        await store.takeActivation(hash('b'), new Date('2026-12-03T10:10:00.000Z')),
        undefined,
        'expired',
      );
    });

    test('one activation taken twice at once goes to exactly one taker (SECURITY A8.9)', async () => {
      const store = await makeStore();
      const now = new Date('2026-12-03T10:00:00.000Z');
      await store.addActivation({
        codeHash: hash('a'),
        userName: 'alice',
        label: 'x',
        expiresAt: '2026-12-03T10:10:00.000Z',
      });
      // Both start before either is awaited: an adapter that answers over a network really races them.
      const taken = await Promise.all([
        store.takeActivation(hash('a'), now),
        store.takeActivation(hash('a'), now),
      ]);
      assert.deepEqual(
        taken.filter((t) => t !== undefined),
        [{ userName: 'alice', label: 'x' }],
      );
    });
  });
}
