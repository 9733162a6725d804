// Owns the conformance suite every ClientStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { type ClientStore, StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { type FakeClock, fakeClock } from './fake-clock.js';

/** Builds a fresh, empty store on each call, using `clock` for its timestamps. */
export type MakeClientStore = (clock: FakeClock) => Awaitable<ClientStore>;

const bytes = (text: string) => new TextEncoder().encode(text);

function alreadyExists(error: unknown): boolean {
  return error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists;
}

/** Defines node:test tests that check `makeStore`'s adapter against the ClientStore contract. */
export function runClientStoreConformance(name: string, makeStore: MakeClientStore): void {
  describe(`ClientStore conformance: ${name}`, () => {
    test('add applies the safe defaults (Message-Authenticator required, Proxy-State limited, 60 s NAS timeout)', async () => {
      const store = await makeStore(fakeClock());
      const client = await store.add({
        name: 'fw1',
        address: '192.0.2.1',
        secret: bytes('testing123-testing123'),
      });
      assert.ok(Number.isInteger(client.id) && client.id > 0);
      assert.equal(client.requireMessageAuthenticator, true);
      assert.equal(client.limitProxyState, true);
      assert.equal(client.nasTimeout, 60);
      assert.equal(client.createdAt, '2025-01-02T03:04:05.000Z');
      assert.deepEqual(await store.getByName('fw1'), client);
    });

    test('add keeps explicit flags and NAS timeout', async () => {
      const store = await makeStore(fakeClock());
      await store.add({
        name: 'legacy',
        address: '192.0.2.2',
        secret: bytes('0123456789abcdef'),
        requireMessageAuthenticator: false,
        limitProxyState: false,
        nasTimeout: 30,
      });
      const client = await store.getByName('legacy');
      assert.equal(client?.requireMessageAuthenticator, false);
      assert.equal(client?.limitProxyState, false);
      assert.equal(client?.nasTimeout, 30);
    });

    test('secrets round-trip as bytes, including NUL, 0xff and 64 octets (docs/security.md A5.1)', async () => {
      const store = await makeStore(fakeClock());
      const secret = new Uint8Array(64).map((_, i) => (i * 37 + 255) % 256);
      secret[0] = 0x00;
      secret[1] = 0xff;
      await store.add({ name: 'bin', address: '192.0.2.3', secret });
      const read = (await store.getByName('bin'))?.secret;
      assert.ok(read instanceof Uint8Array);
      assert.deepEqual(Array.from(read), Array.from(secret));
      assert.deepEqual(Array.from((await store.list())[0]!.secret), Array.from(secret));
    });

    test('addresses are stored as given: IPv4, IPv6, and CIDR blocks of both', async () => {
      const store = await makeStore(fakeClock());
      const addresses = ['192.0.2.10', '2001:db8::10', '198.51.100.0/24', '2001:db8:1::/48'];
      for (const [i, address] of addresses.entries()) {
        await store.add({ name: `nas${i}`, address, secret: bytes(`secret-number-${i}`) });
      }
      assert.deepEqual(
        (await store.list()).map((client) => client.address),
        addresses,
      );
      assert.equal((await store.getByName('nas2'))?.address, '198.51.100.0/24');
    });

    test('getByName of an unknown client is undefined and names are case-sensitive', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'fw1', address: '192.0.2.1', secret: bytes('testing123-testing123') });
      assert.equal(await store.getByName('nope'), undefined);
      assert.equal(await store.getByName('FW1'), undefined);
    });

    test('adding a client with an existing name or address throws StoreError ALREADY_EXISTS', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'fw1', address: '192.0.2.1', secret: bytes('testing123-testing123') });
      await assert.rejects(
        async () => store.add({ name: 'fw1', address: '192.0.2.9', secret: bytes('another-secret') }),
        alreadyExists,
      );
      await assert.rejects(
        async () => store.add({ name: 'fw9', address: '192.0.2.1', secret: bytes('another-secret') }),
        alreadyExists,
      );
      assert.equal((await store.list()).length, 1);
    });

    test('remove by name or by exact address; nothing matched returns false', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'fw1', address: '192.0.2.1', secret: bytes('testing123-testing123') });
      await store.add({ name: 'fw2', address: '10.0.0.0/8', secret: bytes('testing123-testing456') });
      assert.equal(await store.remove('10.0.0.0/8'), true);
      assert.equal(await store.remove('fw1'), true);
      assert.equal(await store.remove('fw1'), false);
      assert.equal(await store.remove('192.0.2.1'), false);
      assert.equal(await store.remove('10.0.0.0'), false, 'an address inside a block is not an exact match');
      assert.deepEqual(await store.list(), []);
    });

    test('remove matches a name before an address', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: '192.0.2.7', address: '192.0.2.8', secret: bytes('testing123-testing123') });
      await store.add({ name: 'other', address: '192.0.2.7', secret: bytes('testing123-testing456') });
      assert.equal(await store.remove('192.0.2.7'), true);
      assert.deepEqual(
        (await store.list()).map((client) => client.name),
        ['other'],
      );
    });

    test('a returned secret is a copy: changing it does not change the store', async () => {
      const store = await makeStore(fakeClock());
      const added = await store.add({
        name: 'fw1',
        address: '192.0.2.1',
        secret: bytes('testing123-testing123'),
      });
      (added.secret as Uint8Array).fill(0);
      const read = (await store.getByName('fw1'))!;
      (read.secret as Uint8Array).fill(0);
      assert.equal(new TextDecoder().decode((await store.getByName('fw1'))!.secret), 'testing123-testing123');
    });

    test('replaceSecret gives the named client a new secret and keeps everything else; unknown names are false', async () => {
      const store = await makeStore(fakeClock());
      const before = await store.add({
        name: 'fw1',
        address: '192.0.2.1',
        secret: bytes('testing123-testing123'),
      });
      assert.equal(await store.replaceSecret('fw1', bytes('rotated-secret-0123456789')), true);
      const after = (await store.getByName('fw1'))!;
      assert.equal(new TextDecoder().decode(after.secret), 'rotated-secret-0123456789');
      assert.deepEqual({ ...after, secret: before.secret }, before);
      assert.equal(await store.replaceSecret('nobody', bytes('rotated-secret-0123456789')), false);
      assert.equal((await store.list()).length, 1);
    });
  });
}
