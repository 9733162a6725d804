// Runs the OwnWayStore conformance suite on PostgreSQL (alone and through the server's token cache), plus what only
// a shared database shows: two nodes removing a user's last two ways at once leave the user one (SECURITY A12.7).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type pg from 'pg';
import type { OwnRemoval } from '../../../src/domain/own-ways.js';
import { CachingOwnWayStore } from '../../../src/store/caching-own-way-store.js';
import { CachingTokenStore } from '../../../src/store/caching-token-store.js';
import { PgOwnWayStore } from '../../../src/store/postgres/pg-own-way-store.js';
import { PgPushDeviceStore } from '../../../src/store/postgres/pg-push-device-store.js';
import { PgTokenStore } from '../../../src/store/postgres/pg-token-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import type { FakeClock } from '../fake-clock.js';
import { RACE_ROUNDS, runOwnWayStoreConformance } from '../own-way-store.conformance.js';
import { freshPool, totp, withOtherNode } from './pg-fixture.js';

const sealer = createSealer(new Uint8Array(randomBytes(32)));

function stores(pool: pg.Pool, clock?: FakeClock) {
  const options = clock === undefined ? {} : { now: clock.now };
  return {
    ways: new PgOwnWayStore(pool),
    tokens: new PgTokenStore(pool, sealer, options),
    devices: new PgPushDeviceStore(pool, sealer, options),
  };
}

runOwnWayStoreConformance('postgres', async (clock) => stores(await freshPool(), clock));
runOwnWayStoreConformance('caching over postgres, complete', async (clock) => {
  const { ways, tokens, devices } = stores(await freshPool(), clock);
  // PostgreSQL has no database transaction behind `Stores.transaction`: the cache's writes run as they come.
  const cache = new CachingTokenStore(tokens, (fn) => fn());
  cache.load([]);
  return { ways: new CachingOwnWayStore(ways, cache), tokens: cache, devices };
});

const publicKey = new Uint8Array(65).fill(4);

describe('PostgreSQL own-way removals on two nodes', () => {
  test(`two nodes each removing one of a user's last two ways at once: exactly one goes (${RACE_ROUNDS} rounds)`, async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = stores(pool);
      const b = stores(other);
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const user = `racer${round}`;
        const device = `ASNP${String(round).padStart(8, '0')}`;
        await a.tokens.add({ ...totp(`T-${user}`, user), secret: new Uint8Array(randomBytes(20)) });
        await a.devices.add({ id: device, userName: user, publicKey, delivery: { kind: 'poll' }, label: '' });
        const results: OwnRemoval[] = await Promise.all([
          a.ways.removeOwn(user, `T-${user}`, false),
          b.ways.removeOwn(user, device, false),
        ]);
        assert.deepEqual(results.sort(), ['last_device', 'removed'], `round ${round}`);
        const left = (await b.tokens.listForUser(user)).length + (await b.devices.listForUser(user)).length;
        assert.equal(left, 1, `round ${round}: one way in stays`);
      }
    });
  });

  test('removals waiting for one user take no second connection: more of them than the pool has all end', async () => {
    const pool = await freshPool(); // four connections
    const { ways, tokens } = stores(pool);
    const serials = Array.from({ length: 12 }, (_, i) => `T${i}`);
    for (const serial of serials) {
      await tokens.add({ ...totp(serial, 'amy'), secret: new Uint8Array(randomBytes(20)) });
    }
    const results = await Promise.all(serials.map((serial) => ways.removeOwn('amy', serial, false)));
    assert.equal(results.filter((r) => r === 'removed').length, 11);
    assert.equal(results.filter((r) => r === 'last_device').length, 1);
  });
});
