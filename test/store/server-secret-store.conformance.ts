// The ServerSecretStore contract every adapter meets: made once, the same bytes after, the first of a race stands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { ServerSecretStore } from '../../src/domain/server-secret.js';

export function runServerSecretStoreConformance(
  adapter: string,
  open: () => Awaitable<ServerSecretStore>,
): void {
  test(`${adapter}: a secret is made once and read back the same after`, async () => {
    const store = await open();
    let made = 0;
    const make = () => {
      made++;
      return new Uint8Array([1, 2, 3, made]);
    };
    const first = await store.getOrCreate('a', make);
    assert.deepEqual([...first], [1, 2, 3, 1]);
    assert.deepEqual([...(await store.getOrCreate('a', make))], [1, 2, 3, 1]);
    assert.equal(made, 1);
  });

  test(`${adapter}: names are independent, and a caller changing its copy changes nothing stored`, async () => {
    const store = await open();
    const a = await store.getOrCreate('a', () => new Uint8Array([1]));
    await store.getOrCreate('b', () => new Uint8Array([2]));
    a[0] = 9;
    assert.deepEqual([...(await store.getOrCreate('a', () => new Uint8Array([3])))], [1]);
    assert.deepEqual([...(await store.getOrCreate('b', () => new Uint8Array([3])))], [2]);
  });

  test(`${adapter}: two callers making one secret at once both get the one that stands`, async () => {
    const store = await open();
    // Both start before either is awaited: an adapter that answers over a network really races them.
    const [one, two] = await Promise.all([
      store.getOrCreate('c', () => new Uint8Array([1])),
      store.getOrCreate('c', () => new Uint8Array([2])),
    ]);
    assert.deepEqual(two, one);
    assert.deepEqual(await store.getOrCreate('c', () => new Uint8Array([3])), one);
  });
}
