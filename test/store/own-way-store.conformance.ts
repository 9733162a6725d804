// Owns the conformance suite every OwnWayStore adapter (and the server's caching decorator) must pass: a user's own
// removal under the last-way rule, SECURITY A12.7, also when two removals race.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { OwnRemoval, OwnWayStore } from '../../src/domain/own-ways.js';
import type { PushDeviceStore } from '../../src/domain/push-device.js';
import type { TokenStore, TokenType } from '../../src/domain/token.js';
import { type FakeClock, fakeClock } from './fake-clock.js';

/** The port under test, and the token and push device stores it removes from (to set up and to look). */
export interface OwnWaysFixture {
  readonly ways: OwnWayStore;
  /** The tokens as the server reads them (through its cache, where the adapter has one). */
  readonly tokens: TokenStore;
  readonly devices: PushDeviceStore;
}

/** Builds fresh, empty stores on each call, using `clock` for their timestamps. */
export type MakeOwnWays = (clock: FakeClock) => Awaitable<OwnWaysFixture>;

/** Rounds of each race: an interleaving that breaks the rule shows up within a few on a real database. */
export const RACE_ROUNDS = 20;

function addToken(stores: OwnWaysFixture, serial: string, userName: string, type: TokenType = 'totp') {
  return stores.tokens.add({
    serial,
    userName,
    type,
    // A user may not hold one secret twice: each token gets its own.
    secret: new Uint8Array(randomBytes(20)),
    algorithm: 'SHA1',
    digits: 6,
    ...(type === 'backup' ? { backupCodeHashes: [] } : {}),
  });
}

function addDevice(stores: OwnWaysFixture, id: string, userName: string) {
  const publicKey = new Uint8Array(65).fill(7);
  publicKey[0] = 4;
  return stores.devices.add({ id, userName, publicKey, delivery: { kind: 'poll' }, label: 'phone' });
}

/** What the user still holds, tokens then devices. */
async function held(stores: OwnWaysFixture, userName: string): Promise<string[]> {
  const tokens = (await stores.tokens.listForUser(userName)).map((t) => t.serial);
  const devices = (await stores.devices.listForUser(userName)).map((d) => d.id);
  return [...tokens, ...devices];
}

/** Two removals started together, their answers sorted. */
async function race(stores: OwnWaysFixture, user: string, ids: [string, string], allowLast: boolean) {
  const results: OwnRemoval[] = await Promise.all(
    ids.map(async (id) => stores.ways.removeOwn(user, id, allowLast)),
  );
  return results.sort();
}

/** Defines node:test tests that check `make`'s adapter against the OwnWayStore contract. */
export function runOwnWayStoreConformance(name: string, make: MakeOwnWays): void {
  describe(`OwnWayStore conformance: ${name}`, () => {
    test("removes the user's own token or push device; another user's and a made-up one are not_found", async () => {
      const stores = await make(fakeClock());
      await addToken(stores, 'T-amy-1', 'amy');
      await addToken(stores, 'T-amy-2', 'amy');
      await addDevice(stores, 'ASNP00000001', 'amy');
      await addToken(stores, 'T-bob', 'bob');
      await addDevice(stores, 'ASNP00000002', 'bob');
      assert.equal(await stores.ways.removeOwn('amy', 'T-bob', true), 'not_found');
      assert.equal(await stores.ways.removeOwn('amy', 'ASNP00000002', true), 'not_found');
      assert.equal(await stores.ways.removeOwn('amy', 'T-none', true), 'not_found');
      assert.equal(await stores.ways.removeOwn('Amy', 'T-amy-1', true), 'not_found', 'names are exact');
      assert.deepEqual(await held(stores, 'bob'), ['T-bob', 'ASNP00000002']);
      assert.equal(await stores.ways.removeOwn('amy', 'T-amy-1', false), 'removed');
      assert.equal(await stores.ways.removeOwn('amy', 'ASNP00000001', false), 'removed');
      assert.equal(await stores.ways.removeOwn('amy', 'ASNP00000001', false), 'not_found', 'gone already');
      assert.deepEqual(await held(stores, 'amy'), ['T-amy-2']);
    });

    test('the last way in stays unless allowLast; backup codes are no way in and can always go (A12.7)', async () => {
      const stores = await make(fakeClock());
      await addDevice(stores, 'ASNP00000001', 'amy');
      await addToken(stores, 'B-amy', 'amy', 'backup');
      assert.equal(await stores.ways.removeOwn('amy', 'ASNP00000001', false), 'last_device');
      assert.equal(await stores.ways.removeOwn('amy', 'B-amy', false), 'removed');
      assert.deepEqual(await held(stores, 'amy'), ['ASNP00000001']);
      await addToken(stores, 'H-amy', 'amy', 'hotp');
      assert.equal(await stores.ways.removeOwn('amy', 'ASNP00000001', false), 'removed');
      assert.equal(await stores.ways.removeOwn('amy', 'H-amy', false), 'last_device');
      assert.equal(await stores.ways.removeOwn('amy', 'H-amy', true), 'removed');
      assert.deepEqual(await held(stores, 'amy'), []);
    });

    test('a removed token is gone from the token store at once, also after it was read (no cache keeps it)', async () => {
      const stores = await make(fakeClock());
      await addToken(stores, 'T-amy-1', 'amy');
      await addToken(stores, 'T-amy-2', 'amy');
      assert.equal((await stores.tokens.listForUser('amy')).length, 2);
      assert.equal(await stores.ways.removeOwn('amy', 'T-amy-1', false), 'removed');
      assert.deepEqual(
        (await stores.tokens.listForUser('amy')).map((t) => t.serial),
        ['T-amy-2'],
      );
      assert.equal(await stores.tokens.getBySerial('T-amy-1'), undefined);
    });

    test(`two removals of a user's last two ways at once: exactly one goes, the other is last_device (${RACE_ROUNDS} rounds)`, async () => {
      const stores = await make(fakeClock());
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const user = `racer${round}`;
        const serial = `T-${user}`;
        const device = `ASNP${String(round).padStart(8, '0')}`;
        await addToken(stores, serial, user, round % 2 === 0 ? 'totp' : 'hotp');
        // Mixed kinds and two of one kind: the rule counts both tables as one.
        if (round % 3 === 0) await addToken(stores, `${serial}-2`, user);
        else await addDevice(stores, device, user);
        // Both count, so neither may be the one that leaves the user none.
        await addToken(stores, `B-${user}`, user, 'backup');
        const ids: [string, string] = [serial, round % 3 === 0 ? `${serial}-2` : device];
        assert.deepEqual(await race(stores, user, ids, false), ['last_device', 'removed'], `round ${round}`);
        const left = (await held(stores, user)).filter((id) => !id.startsWith('B-'));
        assert.equal(left.length, 1, `round ${round}: one way in stays (${left})`);
      }
    });

    test(`with allowLast, two removals of a user's last two ways at once both go (${RACE_ROUNDS} rounds)`, async () => {
      const stores = await make(fakeClock());
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const user = `racer${round}`;
        const device = `ASNP${String(round).padStart(8, '0')}`;
        await addToken(stores, `T-${user}`, user);
        await addDevice(stores, device, user);
        assert.deepEqual(await race(stores, user, [`T-${user}`, device], true), ['removed', 'removed']);
        assert.deepEqual(await held(stores, user), []);
      }
    });
  });
}
