// The ServerSecretStore contract every adapter meets: made once, the same bytes after, the first of a race stands.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerSecretStore } from '../../src/domain/server-secret.js';

export function runServerSecretStoreConformance(adapter: string, open: () => ServerSecretStore): void {
  test(`${adapter}: a secret is made once and read back the same after`, () => {
    const store = open();
    let made = 0;
    const make = () => {
      made++;
      return new Uint8Array([1, 2, 3, made]);
    };
    const first = store.getOrCreate('a', make);
    assert.deepEqual([...first], [1, 2, 3, 1]);
    assert.deepEqual([...store.getOrCreate('a', make)], [1, 2, 3, 1]);
    assert.equal(made, 1);
  });

  test(`${adapter}: names are independent, and a caller changing its copy changes nothing stored`, () => {
    const store = open();
    const a = store.getOrCreate('a', () => new Uint8Array([1]));
    store.getOrCreate('b', () => new Uint8Array([2]));
    a[0] = 9;
    assert.deepEqual([...store.getOrCreate('a', () => new Uint8Array([3]))], [1]);
    assert.deepEqual([...store.getOrCreate('b', () => new Uint8Array([3]))], [2]);
  });
}
