// Owns the conformance suite every TokenStore adapter must pass (ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { hashBackupCode, type NewToken, type TokenStore } from '../../src/domain/token.js';
import { type FakeClock, fakeClock } from './fake-clock.js';

/** Builds a fresh, empty store on each call, using `clock` for its timestamps. */
export type MakeTokenStore = (clock: FakeClock) => Awaitable<TokenStore>;

/** A fixed secret per serial: tokens of one user never share one by accident (the store refuses that). */
const seedOf = (serial: string) =>
  new Uint8Array(20).map((_, i) => (i * 53 + 255 + (serial.charCodeAt(i % serial.length) ?? 0) * 7) % 256);

function totp(serial: string, userName = 'alice'): NewToken {
  return { serial, userName, type: 'totp', secret: seedOf(serial), algorithm: 'SHA1', digits: 6, period: 30 };
}

function conflict(error: unknown): boolean {
  return error instanceof StoreError && error.code === StoreErrorCode.Conflict;
}

function alreadyExists(error: unknown): boolean {
  return error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists;
}

/** Defines node:test tests that check `makeStore`'s adapter against the TokenStore contract. */
export function runTokenStoreConformance(name: string, makeStore: MakeTokenStore): void {
  describe(`TokenStore conformance: ${name}`, () => {
    test('add returns the stored token with fresh replay state, and getBySerial reads it back', async () => {
      const store = await makeStore(fakeClock());
      const token = await store.add({ ...totp('ASNT00000001'), label: 'phone' });
      assert.ok(Number.isInteger(token.id) && token.id > 0);
      assert.equal(token.lastUsed, -1);
      assert.equal(token.drift, 0);
      assert.equal(token.failures, 0);
      assert.equal(token.lockedUntil, null);
      assert.equal(token.label, 'phone');
      assert.equal(token.createdAt, '2025-01-02T03:04:05.000Z');
      assert.deepEqual(Array.from(token.secret), Array.from(seedOf('ASNT00000001')));
      assert.deepEqual(await store.getBySerial('ASNT00000001'), token);
      assert.equal(await store.getBySerial('ASNT00000002'), undefined);
    });

    test('a duplicate serial throws ALREADY_EXISTS; addMany adds all or none', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('S1'));
      await assert.rejects(async () => store.add(totp('S1', 'bob')), alreadyExists);
      await assert.rejects(async () => store.addMany([totp('S2'), totp('S1')]), alreadyExists);
      assert.equal(await store.getBySerial('S2'), undefined, 'the first row of a failed batch is not kept');
      assert.equal(await store.addMany([totp('S2'), totp('S3', 'bob')]), 2);
      assert.deepEqual(
        (await store.list()).map((t) => t.serial),
        ['S1', 'S2', 'S3'],
      );
    });

    test('listForUser returns only that user, oldest first, case-sensitively', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('A', 'alice'));
      await store.add(totp('B', 'bob'));
      await store.add({ ...totp('C', 'alice'), type: 'hotp', lastUsed: 4 });
      assert.deepEqual(
        (await store.listForUser('alice')).map((t) => [t.serial, t.type, t.lastUsed]),
        [
          ['A', 'totp', -1],
          ['C', 'hotp', 4],
        ],
      );
      assert.deepEqual(await store.listForUser('Alice'), []);
    });

    test('a user cannot hold two code tokens with one secret; other users and backup tokens can (issue 12)', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('A1'));
      const copy = { ...totp('A2'), secret: seedOf('A1') };
      await assert.rejects(async () => store.add(copy), conflict);
      await assert.rejects(
        async () => store.add({ ...copy, type: 'hotp' }),
        conflict,
        'the type does not matter',
      );
      await assert.rejects(
        async () => store.addMany([totp('A3'), { ...totp('A4'), secret: seedOf('A3') }]),
        conflict,
      );
      assert.equal(
        await store.getBySerial('A3'),
        undefined,
        'a batch that copies a secret within itself adds nothing',
      );
      assert.equal((await store.add({ ...copy, userName: 'bob' })).userName, 'bob');
      const backup = { ...copy, serial: 'B1', type: 'backup' as const, backupCodeHashes: [] };
      assert.equal((await store.add(backup)).type, 'backup');
      assert.deepEqual(
        (await store.list()).map((t) => t.serial),
        ['A1', 'A2', 'B1'],
      );
    });

    test('tokens of one user stay under one spelling of the name (case, spaces, width; issue 12)', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('L1', 'lara'));
      for (const spelling of ['Lara', 'LARA', ' lara', 'lara ', '\uff4c\uff41\uff52\uff41']) {
        await assert.rejects(
          async () => store.add(totp(`X-${spelling.trim().length}-${spelling.charCodeAt(0)}`, spelling)),
          conflict,
          spelling,
        );
      }
      await assert.rejects(async () => store.addMany([totp('M1', 'mona'), totp('M2', 'Mona')]), conflict);
      assert.equal(await store.getBySerial('M1'), undefined);
      assert.equal(
        (await store.add(totp('L2', 'lara'))).userName,
        'lara',
        'the same spelling may add more tokens',
      );
    });

    test('whichever spelling came first holds the name: capitals, spaces and full width refuse the others (issue 12)', async () => {
      const store = await makeStore(fakeClock());
      // Plain (printable ASCII), with spaces, and in another script: a store may look each kind up its own way.
      const held = ['Nora', 'OMAR', ' pia', 'Mary  Ann', '\uff52\uff55\uff54\uff48'];
      for (const [i, name] of held.entries()) await store.add(totp(`H${i}`, name));
      const others = ['nora', 'Omar', 'pia', 'mary ann', 'RUTH'];
      for (const [i, name] of others.entries()) {
        await assert.rejects(async () => store.add(totp(`O${i}`, name)), conflict, name);
      }
      // An import of many users at once (more than a store may lock one by one) is held to the same rule.
      const many = Array.from({ length: 40 }, (_, i) => totp(`N${i}`, `new${i}`));
      for (const name of others) {
        await assert.rejects(async () => store.addMany([...many, totp('LATE', name)]), conflict, name);
      }
      assert.equal(await store.addMany(many), 40, 'names of no other spelling go in');
    });

    test('remove deletes once; unknown serials return false everywhere', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('S1'));
      assert.equal(await store.remove('S1'), true);
      assert.equal(await store.remove('S1'), false);
      assert.equal(
        await store.recordSuccess('S1', { expectedLastUsed: -1, newLastUsed: 1, drift: 0 }),
        false,
      );
      assert.equal(await store.recordFailure('S1', new Date()), undefined);
      assert.equal(await store.resetFailures('S1'), false);
      assert.equal(await store.setLockedUntil('S1', null), false);
    });

    test('setLabel renames only the named token and keeps its replay state, secret and failures', async () => {
      const store = await makeStore(fakeClock());
      await store.add({ ...totp('S1'), label: 'old phone' });
      await store.add({ ...totp('S2'), label: 'keep' });
      assert.equal(await store.recordSuccess('S1', { expectedLastUsed: -1, newLastUsed: 9, drift: 1 }), true);
      await store.recordFailure('S1', new Date());
      const before = (await store.getBySerial('S1'))!;
      assert.equal(await store.setLabel('S1', 'new phone'), true);
      assert.deepEqual(await store.getBySerial('S1'), { ...before, label: 'new phone' });
      assert.equal((await store.getBySerial('S2'))?.label, 'keep');
      assert.equal((await store.listForUser('alice'))[0]?.label, 'new phone', 'listings see the new label');
      assert.equal(await store.setLabel('S1', ''), true, 'an empty label clears it');
      assert.equal((await store.getBySerial('S1'))?.label, '');
      assert.equal(await store.setLabel('NOPE', 'x'), false);
    });

    test('recordSuccess is a compare-and-set: a stale expected value loses (docs/security.md A6.4)', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('S1'));
      assert.equal(
        await store.recordSuccess('S1', { expectedLastUsed: -1, newLastUsed: 100, drift: 1 }),
        true,
      );
      assert.equal((await store.getBySerial('S1'))?.lastUsed, 100);
      assert.equal((await store.getBySerial('S1'))?.drift, 1);
      assert.equal(
        await store.recordSuccess('S1', { expectedLastUsed: -1, newLastUsed: 101, drift: 0 }),
        false,
      );
      assert.equal((await store.getBySerial('S1'))?.lastUsed, 100);
      assert.equal((await store.getBySerial('S1'))?.drift, 1);
    });

    test('two recordSuccess calls with the same expected value: exactly one wins', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('S1'));
      // Both start before either is awaited: an adapter that answers over a network really races them.
      const results = await Promise.all(
        [101, 101].map((step) =>
          store.recordSuccess('S1', { expectedLastUsed: -1, newLastUsed: step, drift: 0 }),
        ),
      );
      assert.deepEqual([...results].sort(), [false, true]);
      assert.equal((await store.getBySerial('S1'))?.lastUsed, 101);
    });

    test('recordSuccess never moves lastUsed backwards or keeps it in place', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('S1'));
      assert.equal(
        await store.recordSuccess('S1', { expectedLastUsed: -1, newLastUsed: 50, drift: 0 }),
        true,
      );
      assert.equal(
        await store.recordSuccess('S1', { expectedLastUsed: 50, newLastUsed: 50, drift: 0 }),
        false,
      );
      assert.equal(
        await store.recordSuccess('S1', { expectedLastUsed: 50, newLastUsed: 49, drift: 0 }),
        false,
      );
      assert.equal((await store.getBySerial('S1'))?.lastUsed, 50);
    });

    test('recordFailure counts up; resetFailures clears the count and the lock (A6.5)', async () => {
      const store = await makeStore(fakeClock());
      await store.add(totp('S1'));
      await store.add(totp('S2'));
      assert.equal(await store.recordFailure('S1', new Date()), 1);
      assert.equal(await store.recordFailure('S1', new Date()), 2);
      assert.equal((await store.getBySerial('S2'))?.failures, 0, 'counters are per token');
      assert.equal(await store.setLockedUntil('S1', '2025-01-02T04:00:00.000Z'), true);
      assert.equal((await store.getBySerial('S1'))?.lockedUntil, '2025-01-02T04:00:00.000Z');
      assert.equal(await store.resetFailures('S1'), true);
      assert.equal((await store.getBySerial('S1'))?.failures, 0);
      assert.equal((await store.getBySerial('S1'))?.lockedUntil, null);
    });

    test('a backup code is accepted once; unknown codes and other tokens refuse (A9.2)', async () => {
      const store = await makeStore(fakeClock());
      const salt = new Uint8Array(20).fill(7);
      const codes = ['0123456789', '9876543210'];
      await store.add({
        serial: 'B1',
        userName: 'alice',
        type: 'backup',
        secret: salt,
        algorithm: 'SHA1',
        digits: 10,
        backupCodeHashes: codes.map((c) => hashBackupCode(salt, c)),
      });
      await store.add(totp('T1'));
      assert.equal(await store.unusedBackupCodes('B1'), 2);
      const first = hashBackupCode(salt, '0123456789');
      assert.equal(await store.useBackupCode('T1', first, new Date()), false, 'not a backup token');
      assert.equal(await store.useBackupCode('B1', hashBackupCode(salt, '1111111111'), new Date()), false);
      assert.equal(await store.useBackupCode('B1', first, new Date()), true);
      assert.equal(await store.useBackupCode('B1', first, new Date()), false, 'used codes are spent');
      assert.equal(await store.unusedBackupCodes('B1'), 1);
      assert.equal(await store.remove('B1'), true);
      assert.equal(await store.unusedBackupCodes('B1'), 0);
    });

    test('a returned secret is a copy: changing it does not change the store', async () => {
      const store = await makeStore(fakeClock());
      const added = await store.add(totp('S1'));
      (added.secret as Uint8Array).fill(0);
      ((await store.getBySerial('S1'))!.secret as Uint8Array).fill(0);
      assert.deepEqual(Array.from((await store.getBySerial('S1'))!.secret), Array.from(seedOf('S1')));
    });
  });
}
