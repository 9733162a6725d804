// Owns the conformance suite every PushDeviceStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import type { NewPushDevice, PushDeviceStore } from '../../src/domain/push-device.js';

export type MakePushDeviceStore = () => PushDeviceStore;

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
    test('add, get, listForUser and list return what was stored; a used id is ALREADY_EXISTS', () => {
      const store = makeStore();
      const added = store.add(device('ASNP00000001'));
      assert.equal(added.userName, 'alice');
      assert.equal(added.lastSeenAt, null);
      assert.deepEqual(Array.from(store.get('ASNP00000001')!.publicKey), Array.from(point(49)));
      store.add(device('ASNP00000002', 'bob'));
      store.add(device('ASNP00000003'));
      assert.deepEqual(
        store.listForUser('alice').map((d) => d.id),
        ['ASNP00000001', 'ASNP00000003'],
      );
      assert.equal(store.list().length, 3);
      assert.throws(
        () => store.add(device('ASNP00000001', 'carol')),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.AlreadyExists,
      );
    });

    test('a Web Push subscription round-trips; setDelivery falls back to polling; remove revokes', () => {
      const store = makeStore();
      const subscription = { endpoint: 'https://push.example.net/x', keys: { p256dh: 'BP', auth: 'au' } };
      store.add({ ...device('ASNP00000001'), delivery: { kind: 'webpush', subscription } });
      assert.deepEqual(store.get('ASNP00000001')!.delivery, { kind: 'webpush', subscription });
      assert.equal(store.setDelivery('ASNP00000001', { kind: 'poll' }), true);
      assert.deepEqual(store.get('ASNP00000001')!.delivery, { kind: 'poll' });
      store.touch('ASNP00000001', new Date('2026-12-03T10:00:00.000Z'));
      assert.equal(store.get('ASNP00000001')!.lastSeenAt, '2026-12-03T10:00:00.000Z');
      assert.equal(store.remove('ASNP00000001'), true);
      assert.equal(store.remove('ASNP00000001'), false);
      assert.equal(store.get('ASNP00000001'), undefined);
      assert.equal(store.setDelivery('ASNP00000001', { kind: 'poll' }), false);
    });

    test('setLabel renames only the named device; its key, delivery and times stay', () => {
      const store = makeStore();
      store.add(device('ASNP00000001'));
      store.add(device('ASNP00000002'));
      store.touch('ASNP00000001', new Date('2026-12-03T10:00:00.000Z'));
      const before = store.get('ASNP00000001')!;
      assert.equal(store.setLabel('ASNP00000001', 'Pixel 8'), true);
      const after = store.get('ASNP00000001')!;
      assert.equal(after.label, 'Pixel 8');
      assert.deepEqual({ ...after, label: before.label }, before);
      assert.equal(store.listForUser('alice')[0]!.label, 'Pixel 8');
      assert.equal(store.get('ASNP00000002')!.label, "alice's phone");
      assert.equal(store.setLabel('ASNP00000009', 'x'), false);
    });

    test('a ntfy topic round-trips with its keys, and a gone one falls back to polling', () => {
      const store = makeStore();
      const subscription = {
        endpoint: 'https://ntfy.example.net/upAbC123?up=1',
        keys: { p256dh: 'BP', auth: 'au' },
      };
      store.add({ ...device('ASNP00000004'), delivery: { kind: 'ntfy', subscription } });
      assert.deepEqual(store.get('ASNP00000004')!.delivery, { kind: 'ntfy', subscription });
      assert.deepEqual(store.listForUser('alice')[0]!.delivery, { kind: 'ntfy', subscription });
      assert.equal(store.setDelivery('ASNP00000004', { kind: 'poll' }), true);
      assert.deepEqual(store.get('ASNP00000004')!.delivery, { kind: 'poll' });
      assert.equal(store.setDelivery('ASNP00000004', { kind: 'ntfy', subscription }), true);
      assert.deepEqual(store.list()[0]!.delivery, { kind: 'ntfy', subscription });
    });

    test('an activation is taken once, only before it expires, only by its own code (SECURITY A8.9)', () => {
      const store = makeStore();
      const now = new Date('2026-12-03T10:00:00.000Z');
      store.addActivation({
        codeHash: hash('a'),
        userName: 'alice',
        label: 'x',
        expiresAt: '2026-12-03T10:10:00.000Z',
      });
      store.addActivation({
        codeHash: hash('b'),
        userName: 'bob',
        label: '',
        expiresAt: '2026-12-03T10:10:00.000Z',
      });
      assert.equal(store.takeActivation(hash('c'), now), undefined);
      assert.deepEqual(store.takeActivation(hash('a'), now), { userName: 'alice', label: 'x' });
      assert.equal(store.takeActivation(hash('a'), now), undefined, 'single use');
      assert.equal(
        store.takeActivation(hash('b'), new Date('2026-12-03T10:10:00.000Z')),
        undefined,
        'expired',
      );
    });
  });
}
