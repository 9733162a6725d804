// Owns the conformance suite every ApiKeyStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { ApiKeyStore, NewApiKey } from '../../src/domain/api-key.js';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';

export type MakeApiKeyStore = (now: () => Date) => Awaitable<ApiKeyStore>;

const hash = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

const key = (id: string, name: string, overrides: Partial<NewApiKey> = {}): NewApiKey => ({
  id,
  name,
  scopes: ['push'],
  keyHash: hash(id),
  expiresAt: null,
  ...overrides,
});

const isAlreadyExists = (what: RegExp) => (e: unknown) =>
  e instanceof StoreError && e.code === StoreErrorCode.AlreadyExists && what.test(e.message);

export function runApiKeyStoreConformance(adapter: string, makeStore: MakeApiKeyStore): void {
  describe(`ApiKeyStore conformance: ${adapter}`, () => {
    const now = () => new Date('2026-12-03T10:00:00.000Z');

    test('add returns the stored key with its time; get and getByName read it back whole', async () => {
      const store = await makeStore(now);
      const added = await store.add(
        key('0123456789abcdef', 'portal', {
          scopes: ['push', 'read-only'],
          expiresAt: '2027-03-01T00:00:00.000Z',
        }),
      );
      const expected = {
        id: '0123456789abcdef',
        name: 'portal',
        scopes: ['push', 'read-only'],
        keyHash: hash('0123456789abcdef'),
        createdAt: '2026-12-03T10:00:00.000Z',
        expiresAt: '2027-03-01T00:00:00.000Z',
        lastUsedAt: null,
      };
      assert.deepEqual(
        { ...added, keyHash: [...added.keyHash] },
        { ...expected, keyHash: [...expected.keyHash] },
      );
      for (const read of [await store.get('0123456789abcdef'), await store.getByName('portal')]) {
        assert.ok(read);
        assert.deepEqual([...read.keyHash], [...expected.keyHash]);
        assert.deepEqual({ ...read, keyHash: null }, { ...expected, keyHash: null });
      }
      assert.equal(await store.get('fedcba9876543210'), undefined);
      assert.equal(
        await store.getByName('Portal'),
        undefined,
        'names are case-sensitive, like Basic user names',
      );
    });

    test('a name or an id in use is ALREADY_EXISTS, and the message says which', async () => {
      const store = await makeStore(now);
      await store.add(key('0123456789abcdef', 'portal'));
      await assert.rejects(
        async () => store.add(key('1111111111111111', 'portal')),
        isAlreadyExists(/name "portal"/),
      );
      await assert.rejects(
        async () => store.add(key('0123456789abcdef', 'other')),
        isAlreadyExists(/id 0123456789abcdef/),
      );
      assert.equal((await store.list()).length, 1, 'nothing was added');
    });

    test('list returns every key by name; remove takes one by name and says whether it did', async () => {
      const store = await makeStore(now);
      await store.add(key('cccccccccccccccc', 'zeta'));
      await store.add(key('aaaaaaaaaaaaaaaa', 'alpha', { scopes: ['admin'] }));
      await store.add(key('bbbbbbbbbbbbbbbb', 'Beta'));
      assert.deepEqual(
        (await store.list()).map((k) => k.name),
        ['Beta', 'alpha', 'zeta'],
      );
      assert.deepEqual((await store.getByName('alpha'))!.scopes, ['admin']);
      assert.equal(await store.remove('alpha'), true);
      assert.equal(await store.remove('alpha'), false);
      assert.equal(await store.remove('nobody'), false);
      assert.equal(await store.get('aaaaaaaaaaaaaaaa'), undefined);
      assert.deepEqual(
        (await store.list()).map((k) => k.name),
        ['Beta', 'zeta'],
      );
      await store.add(key('dddddddddddddddd', 'alpha'));
      assert.equal(
        (await store.getByName('alpha'))!.id,
        'dddddddddddddddd',
        'a removed name can be used again',
      );
    });

    test('touch records the last use; an unknown id is ignored', async () => {
      const store = await makeStore(now);
      await store.add(key('0123456789abcdef', 'portal'));
      await store.touch('0123456789abcdef', new Date('2026-12-04T08:00:00.000Z'));
      await store.touch('ffffffffffffffff', new Date('2026-12-04T08:00:00.000Z'));
      assert.equal((await store.get('0123456789abcdef'))!.lastUsedAt, '2026-12-04T08:00:00.000Z');
      assert.equal((await store.getByName('portal'))!.lastUsedAt, '2026-12-04T08:00:00.000Z');
    });

    test('changing the arrays given to add changes nothing stored', async () => {
      const store = await makeStore(now);
      const scopes: NewApiKey['scopes'][number][] = ['auth'];
      const keyHash = hash('x');
      await store.add(key('0123456789abcdef', 'portal', { scopes, keyHash }));
      scopes.push('admin');
      keyHash[0] = keyHash[0]! ^ 0xff;
      assert.deepEqual((await store.get('0123456789abcdef'))!.scopes, ['auth']);
      assert.deepEqual([...(await store.get('0123456789abcdef'))!.keyHash], [...hash('x')]);
    });
  });
}
