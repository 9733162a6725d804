// Owns the conformance suite every UserStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoreError, StoreErrorCode, type UserStore } from '../../src/domain/ports.js';
import { UserStatus } from '../../src/domain/user.js';
import { type FakeClock, fakeClock } from './fake-clock.js';

/** Builds a fresh, empty store on each call, using `clock` for its timestamps. */
export type MakeUserStore = (clock: FakeClock) => UserStore;

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

function alreadyExists(error: unknown): boolean {
  return error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists;
}

/** Defines node:test tests that check `makeStore`'s adapter against the UserStore contract. */
export function runUserStoreConformance(name: string, makeStore: MakeUserStore): void {
  describe(`UserStore conformance: ${name}`, () => {
    test('add returns the stored user with an id, defaults and timestamps, and getByName finds it', () => {
      const clock = fakeClock();
      const store = makeStore(clock);
      const user = store.add({ name: 'alice', passwordHash: HASH });
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
      assert.deepEqual(store.getByName('alice'), user);
    });

    test('add keeps the given status, groups (in order) and a null password hash', () => {
      const store = makeStore(fakeClock());
      store.add({
        name: 'bob',
        passwordHash: null,
        status: UserStatus.Disabled,
        groups: ['vpn', 'Admins', 'ü|"x'],
      });
      const bob = store.getByName('bob');
      assert.equal(bob?.status, UserStatus.Disabled);
      assert.equal(bob?.passwordHash, null);
      assert.deepEqual(bob?.groups, ['vpn', 'Admins', 'ü|"x']);
    });

    test('getByName of an unknown user is undefined', () => {
      assert.equal(makeStore(fakeClock()).getByName('nobody'), undefined);
    });

    test('list returns every user in insertion order and count agrees', () => {
      const store = makeStore(fakeClock());
      assert.deepEqual(store.list(), []);
      assert.equal(store.count(), 0);
      for (const n of ['carol', 'alice', 'bob']) store.add({ name: n, passwordHash: null });
      assert.deepEqual(
        store.list().map((user) => user.name),
        ['carol', 'alice', 'bob'],
      );
      assert.equal(store.count(), 3);
    });

    test('adding an existing name throws StoreError ALREADY_EXISTS and leaves the user unchanged', () => {
      const store = makeStore(fakeClock());
      const first = store.add({ name: 'alice', passwordHash: HASH });
      assert.throws(() => store.add({ name: 'alice', passwordHash: null }), alreadyExists);
      assert.deepEqual(store.getByName('alice'), first);
      assert.equal(store.count(), 1);
    });

    test('names are case-sensitive, as in FreeRADIUS', () => {
      const store = makeStore(fakeClock());
      store.add({ name: 'alice', passwordHash: 'lower' });
      store.add({ name: 'Alice', passwordHash: 'upper' });
      assert.equal(store.getByName('alice')?.passwordHash, 'lower');
      assert.equal(store.getByName('Alice')?.passwordHash, 'upper');
      assert.equal(store.getByName('ALICE'), undefined);
      assert.equal(store.remove('ALICE'), false);
      assert.equal(store.count(), 2);
    });

    test('names with non-ASCII characters and of 253 octets round-trip', () => {
      const store = makeStore(fakeClock());
      const long = `${'é'.repeat(126)}x`; // 253 UTF-8 octets (RFC 2865 §5.1)
      for (const n of ['jürgen@example.org', 'DOMAIN\\user', long])
        store.add({ name: n, passwordHash: null });
      assert.equal(store.getByName(long)?.name, long);
      assert.equal(store.getByName('DOMAIN\\user')?.name, 'DOMAIN\\user');
      assert.equal(store.getByName('jurgen@example.org'), undefined);
    });

    test('setPasswordHash, setStatus and setGroups change the user and its updatedAt, not createdAt', () => {
      const clock = fakeClock();
      const store = makeStore(clock);
      const created = store.add({ name: 'alice', passwordHash: HASH, groups: ['a'] });
      clock.advance(1000);
      assert.equal(store.setPasswordHash('alice', '$2b$10$legacy'), true);
      assert.equal(store.setStatus('alice', UserStatus.Disabled), true);
      assert.equal(store.setGroups('alice', ['b', 'c']), true);
      const after = store.getByName('alice');
      assert.equal(after?.passwordHash, '$2b$10$legacy');
      assert.equal(after?.status, UserStatus.Disabled);
      assert.deepEqual(after?.groups, ['b', 'c']);
      assert.equal(after?.id, created.id);
      assert.equal(after?.createdAt, created.createdAt);
      assert.equal(after?.updatedAt, '2025-01-02T03:04:06.000Z');
      assert.equal(store.setPasswordHash('alice', null), true);
      assert.equal(store.getByName('alice')?.passwordHash, null);
    });

    test('setPasswordHash, setStatus, setGroups and remove on a missing user return false and add nothing', () => {
      const store = makeStore(fakeClock());
      store.add({ name: 'alice', passwordHash: HASH });
      assert.equal(store.setPasswordHash('bob', HASH), false);
      assert.equal(store.setStatus('bob', UserStatus.Disabled), false);
      assert.equal(store.setGroups('bob', ['x']), false);
      assert.equal(store.remove('bob'), false);
      assert.equal(store.count(), 1);
      assert.equal(store.getByName('bob'), undefined);
    });

    test('remove deletes the user once; a user added again gets a new id', () => {
      const store = makeStore(fakeClock());
      const first = store.add({ name: 'alice', passwordHash: HASH });
      store.add({ name: 'bob', passwordHash: HASH });
      assert.equal(store.remove('alice'), true);
      assert.equal(store.remove('alice'), false);
      assert.equal(store.getByName('alice'), undefined);
      assert.equal(store.count(), 1);
      const again = store.add({ name: 'alice', passwordHash: null });
      assert.notEqual(again.id, first.id);
    });

    test('upsertMany adds new users, updates existing ones, and counts each', () => {
      const clock = fakeClock();
      const store = makeStore(clock);
      const alice = store.add({ name: 'alice', passwordHash: 'old', groups: ['g'] });
      clock.advance(5000);
      const result = store.upsertMany([
        { name: 'alice', passwordHash: 'new', groups: ['h'] },
        { name: 'bob', passwordHash: 'b' },
        { name: 'carol', passwordHash: null, status: UserStatus.Disabled, groups: ['x'] },
      ]);
      assert.deepEqual(result, { added: 2, updated: 1 });
      assert.equal(store.count(), 3);
      const updated = store.getByName('alice');
      assert.equal(updated?.id, alice.id);
      assert.equal(updated?.passwordHash, 'new');
      assert.deepEqual(updated?.groups, ['h']);
      assert.equal(updated?.createdAt, alice.createdAt);
      assert.equal(updated?.updatedAt, '2025-01-02T03:04:10.000Z');
      assert.equal(store.getByName('bob')?.status, UserStatus.Active);
      assert.equal(store.getByName('carol')?.status, UserStatus.Disabled);
    });

    test('upsertMany keeps the stored status and groups of an existing user when the import omits them', () => {
      const store = makeStore(fakeClock());
      store.add({ name: 'alice', passwordHash: 'old', status: UserStatus.Disabled, groups: ['g'] });
      assert.deepEqual(store.upsertMany([{ name: 'alice', passwordHash: 'new' }]), { added: 0, updated: 1 });
      const alice = store.getByName('alice');
      assert.equal(alice?.passwordHash, 'new');
      assert.equal(alice?.status, UserStatus.Disabled, 're-importing must not re-enable a disabled user');
      assert.deepEqual(alice?.groups, ['g']);
    });

    test('upsertMany of the same name twice adds it once and then updates it', () => {
      const store = makeStore(fakeClock());
      const result = store.upsertMany([
        { name: 'dup', passwordHash: 'one' },
        { name: 'dup', passwordHash: 'two' },
      ]);
      assert.deepEqual(result, { added: 1, updated: 1 });
      assert.equal(store.getByName('dup')?.passwordHash, 'two');
      assert.deepEqual(store.upsertMany([]), { added: 0, updated: 0 });
    });

    test('a returned user is a copy or frozen: changing it does not change the store', () => {
      const store = makeStore(fakeClock());
      store.add({ name: 'alice', passwordHash: HASH, groups: ['a'] });
      const copy = store.getByName('alice')!;
      try {
        (copy.groups as string[]).push('intruder');
      } catch {
        // A frozen result (the caching adapter shares one object between lookups) refuses the change.
      }
      assert.deepEqual(store.getByName('alice')?.groups, ['a']);
    });
  });
}
