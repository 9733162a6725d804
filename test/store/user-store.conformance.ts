// Owns the conformance suite every UserStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { StoreError, StoreErrorCode, type UserStore } from '../../src/domain/ports.js';
import { UserStatus } from '../../src/domain/user.js';
import { type FakeClock, fakeClock } from './fake-clock.js';

/** Builds a fresh, empty store on each call, using `clock` for its timestamps. */
export type MakeUserStore = (clock: FakeClock) => Awaitable<UserStore>;

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

function alreadyExists(error: unknown): boolean {
  return error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists;
}

/** Defines node:test tests that check `makeStore`'s adapter against the UserStore contract. */
export function runUserStoreConformance(name: string, makeStore: MakeUserStore): void {
  describe(`UserStore conformance: ${name}`, () => {
    test('add returns the stored user with an id, defaults and timestamps, and getByName finds it', async () => {
      const clock = fakeClock();
      const store = await makeStore(clock);
      const user = await store.add({ name: 'alice', passwordHash: HASH });
      assert.ok(Number.isInteger(user.id) && user.id > 0);
      assert.deepEqual(user, {
        id: user.id,
        name: 'alice',
        status: UserStatus.Active,
        passwordHash: HASH,
        groups: [],
        createdAt: '2025-01-02T03:04:05.000Z',
        updatedAt: '2025-01-02T03:04:05.000Z',
      });
      assert.deepEqual(await store.getByName('alice'), user);
    });

    test('add keeps the given status, groups (in order) and a null password hash', async () => {
      const store = await makeStore(fakeClock());
      await store.add({
        name: 'bob',
        passwordHash: null,
        status: UserStatus.Disabled,
        groups: ['vpn', 'Admins', 'ü|"x'],
      });
      const bob = await store.getByName('bob');
      assert.equal(bob?.status, UserStatus.Disabled);
      assert.equal(bob?.passwordHash, null);
      assert.deepEqual(bob?.groups, ['vpn', 'Admins', 'ü|"x']);
    });

    test('getByName of an unknown user is undefined', async () => {
      assert.equal(await (await makeStore(fakeClock())).getByName('nobody'), undefined);
    });

    test('list returns every user in insertion order and count agrees', async () => {
      const store = await makeStore(fakeClock());
      assert.deepEqual(await store.list(), []);
      assert.equal(await store.count(), 0);
      for (const n of ['carol', 'alice', 'bob']) await store.add({ name: n, passwordHash: null });
      assert.deepEqual(
        (await store.list()).map((user) => user.name),
        ['carol', 'alice', 'bob'],
      );
      assert.equal(await store.count(), 3);
    });

    test('adding an existing name throws StoreError ALREADY_EXISTS and leaves the user unchanged', async () => {
      const store = await makeStore(fakeClock());
      const first = await store.add({ name: 'alice', passwordHash: HASH });
      await assert.rejects(async () => store.add({ name: 'alice', passwordHash: null }), alreadyExists);
      assert.deepEqual(await store.getByName('alice'), first);
      assert.equal(await store.count(), 1);
    });

    test('names are case-sensitive, as in FreeRADIUS', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'alice', passwordHash: 'lower' });
      await store.add({ name: 'Alice', passwordHash: 'upper' });
      assert.equal((await store.getByName('alice'))?.passwordHash, 'lower');
      assert.equal((await store.getByName('Alice'))?.passwordHash, 'upper');
      assert.equal(await store.getByName('ALICE'), undefined);
      assert.equal(await store.remove('ALICE'), false);
      assert.equal(await store.count(), 2);
    });

    test('names with non-ASCII characters and of 253 octets round-trip', async () => {
      const store = await makeStore(fakeClock());
      const long = `${'é'.repeat(126)}x`; // 253 UTF-8 octets (RFC 2865 §5.1)
      for (const n of ['jürgen@example.org', 'DOMAIN\\user', long])
        await store.add({ name: n, passwordHash: null });
      assert.equal((await store.getByName(long))?.name, long);
      assert.equal((await store.getByName('DOMAIN\\user'))?.name, 'DOMAIN\\user');
      assert.equal(await store.getByName('jurgen@example.org'), undefined);
    });

    test('setPasswordHash, setStatus and setGroups change the user and its updatedAt, not createdAt', async () => {
      const clock = fakeClock();
      const store = await makeStore(clock);
      const created = await store.add({ name: 'alice', passwordHash: HASH, groups: ['a'] });
      clock.advance(1000);
      assert.equal(await store.setPasswordHash('alice', '$2b$10$legacy'), true);
      assert.equal(await store.setStatus('alice', UserStatus.Disabled), true);
      assert.equal(await store.setGroups('alice', ['b', 'c']), true);
      const after = await store.getByName('alice');
      assert.equal(after?.passwordHash, '$2b$10$legacy');
      assert.equal(after?.status, UserStatus.Disabled);
      assert.deepEqual(after?.groups, ['b', 'c']);
      assert.equal(after?.id, created.id);
      assert.equal(after?.createdAt, created.createdAt);
      assert.equal(after?.updatedAt, '2025-01-02T03:04:06.000Z');
      assert.equal(await store.setPasswordHash('alice', null), true);
      assert.equal((await store.getByName('alice'))?.passwordHash, null);
    });

    test('setPasswordHash, setStatus, setGroups and remove on a missing user return false and add nothing', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'alice', passwordHash: HASH });
      assert.equal(await store.setPasswordHash('bob', HASH), false);
      assert.equal(await store.setStatus('bob', UserStatus.Disabled), false);
      assert.equal(await store.setGroups('bob', ['x']), false);
      assert.equal(await store.remove('bob'), false);
      assert.equal(await store.count(), 1);
      assert.equal(await store.getByName('bob'), undefined);
    });

    test('remove deletes the user once; a user added again gets a new id', async () => {
      const store = await makeStore(fakeClock());
      const first = await store.add({ name: 'alice', passwordHash: HASH });
      await store.add({ name: 'bob', passwordHash: HASH });
      assert.equal(await store.remove('alice'), true);
      assert.equal(await store.remove('alice'), false);
      assert.equal(await store.getByName('alice'), undefined);
      assert.equal(await store.count(), 1);
      const again = await store.add({ name: 'alice', passwordHash: null });
      assert.notEqual(again.id, first.id);
    });

    test('upsertMany adds new users, updates existing ones, and counts each', async () => {
      const clock = fakeClock();
      const store = await makeStore(clock);
      const alice = await store.add({ name: 'alice', passwordHash: 'old', groups: ['g'] });
      clock.advance(5000);
      const result = await store.upsertMany([
        { name: 'alice', passwordHash: 'new', groups: ['h'] },
        { name: 'bob', passwordHash: 'b' },
        { name: 'carol', passwordHash: null, status: UserStatus.Disabled, groups: ['x'] },
      ]);
      assert.deepEqual(result, { added: 2, updated: 1 });
      assert.equal(await store.count(), 3);
      const updated = await store.getByName('alice');
      assert.equal(updated?.id, alice.id);
      assert.equal(updated?.passwordHash, 'new');
      assert.deepEqual(updated?.groups, ['h']);
      assert.equal(updated?.createdAt, alice.createdAt);
      assert.equal(updated?.updatedAt, '2025-01-02T03:04:10.000Z');
      assert.equal((await store.getByName('bob'))?.status, UserStatus.Active);
      assert.equal((await store.getByName('carol'))?.status, UserStatus.Disabled);
    });

    test('upsertMany keeps the stored status and groups of an existing user when the import omits them', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'alice', passwordHash: 'old', status: UserStatus.Disabled, groups: ['g'] });
      assert.deepEqual(await store.upsertMany([{ name: 'alice', passwordHash: 'new' }]), {
        added: 0,
        updated: 1,
      });
      const alice = await store.getByName('alice');
      assert.equal(alice?.passwordHash, 'new');
      assert.equal(alice?.status, UserStatus.Disabled, 're-importing must not re-enable a disabled user');
      assert.deepEqual(alice?.groups, ['g']);
    });

    test('upsertMany of the same name twice adds it once and then updates it', async () => {
      const store = await makeStore(fakeClock());
      const result = await store.upsertMany([
        { name: 'dup', passwordHash: 'one' },
        { name: 'dup', passwordHash: 'two' },
      ]);
      assert.deepEqual(result, { added: 1, updated: 1 });
      assert.equal((await store.getByName('dup'))?.passwordHash, 'two');
      assert.deepEqual(await store.upsertMany([]), { added: 0, updated: 0 });
    });

    test('a returned user is a copy or frozen: changing it does not change the store', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ name: 'alice', passwordHash: HASH, groups: ['a'] });
      const copy = (await store.getByName('alice'))!;
      try {
        (copy.groups as string[]).push('intruder');
      } catch {
        // A frozen result (the caching adapter shares one object between lookups) refuses the change.
      }
      assert.deepEqual((await store.getByName('alice'))?.groups, ['a']);
    });
  });
}
