// Owns the conformance suite every PendingTotpStore adapter must pass (SECURITY A12.6, A9.1; ARCHITECTURE.md §6:
// one suite, every adapter).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { PendingTotpStore, StoredPendingTotp } from '../../src/domain/pending-totp-store.js';
import { encodeBase32 } from '../../src/otp/base32.js';

/**
 * Builds a fresh, empty store on each call; `second` is another node (or process) on the same database; `table`
 * reads every stored cell as text (absent for memory, which has no disk to protect).
 */
export type MakePendingTotpStore = () => Awaitable<{
  store: PendingTotpStore;
  second?: PendingTotpStore;
  table?: () => Awaitable<string>;
}>;

const T0 = 1_800_000_000_000;
const TTL = 600_000;
const bounds = { perUser: 3, max: 10_000 };

const pending = (key: string, user = 'alice', at = T0): StoredPendingTotp => ({
  key,
  user,
  label: `app ${key}`,
  issuer: 'Assent',
  secret: randomBytes(20),
  expiresAt: at + TTL,
});

export function runPendingTotpStoreConformance(name: string, make: MakePendingTotpStore): void {
  describe(`PendingTotpStore conformance: ${name}`, () => {
    test('a pending is found as it was added, on this node and another; an unknown key is not', async () => {
      const { store, second } = await make();
      const added = pending('k1');
      await store.add(added, bounds);
      for (const node of [store, second ?? store]) {
        const found = await node.find('k1', T0);
        assert.deepEqual(found && { ...found, secret: Buffer.from(found.secret) }, {
          ...added,
          secret: Buffer.from(added.secret),
        });
      }
      assert.equal(await store.find('k2', T0), undefined);
    });

    test('a pending is taken once: the second take and every later find see nothing (A12.6)', async () => {
      const { store, second } = await make();
      await store.add(pending('k1'), bounds);
      assert.equal(await (second ?? store).take('k1', T0 + 1), true);
      assert.equal(await store.take('k1', T0 + 1), false);
      assert.equal(await store.find('k1', T0 + 1), undefined);
      assert.equal(await store.take('never', T0), false);
    });

    test('two nodes taking the same pending at once: exactly one wins', async () => {
      const { store, second } = await make();
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`;
        await store.add(pending(key, `user${round}`), bounds);
        const won = await Promise.all([store.take(key, T0), (second ?? store).take(key, T0)]);
        assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${won}`);
      }
    });

    test('an expired pending is neither found nor taken, and the sweep deletes only expired ones', async () => {
      const { store } = await make();
      await store.add(pending('old', 'alice', T0), bounds);
      await store.add(pending('new', 'bob', T0 + 60_000), bounds);
      const expiry = T0 + TTL;
      assert.equal(await store.find('old', expiry), undefined, 'at expiresAt it is gone');
      assert.equal(await store.take('old', expiry), false);
      assert.equal(await store.sweep(expiry), 1);
      assert.equal(await store.sweep(expiry), 0);
      assert.equal((await store.find('new', expiry))?.user, 'bob');
      assert.equal(await store.sweep(expiry + 60_000), 1);
    });

    test("a user's fourth pending drops that user's oldest; other users keep theirs", async () => {
      const { store } = await make();
      await store.add(pending('bob-1', 'bob', T0), bounds);
      for (let i = 1; i <= 4; i++) await store.add(pending(`alice-${i}`, 'alice', T0 + i), bounds);
      const now = T0 + 10;
      assert.equal(await store.find('alice-1', now), undefined, 'the oldest went');
      for (const key of ['alice-2', 'alice-3', 'alice-4', 'bob-1']) {
        assert.notEqual(await store.find(key, now), undefined, key);
      }
    });

    test('the table never holds more than `max`: the oldest pending goes first', async () => {
      const { store } = await make();
      const small = { perUser: 3, max: 3 };
      for (let i = 1; i <= 4; i++) await store.add(pending(`k${i}`, `user${i}`, T0 + i), small);
      assert.equal(await store.find('k1', T0 + 10), undefined);
      for (const key of ['k2', 'k3', 'k4']) assert.notEqual(await store.find(key, T0 + 10), undefined, key);
    });

    test('the secret is stored sealed: none of its spellings is in the table (A9.1)', async (t) => {
      const { store, table } = await make();
      if (table === undefined) return t.skip('no table on disk');
      const added = pending('k1');
      await store.add(added, bounds);
      const cells = await table();
      assert.match(cells, /alice/, 'the table dump holds the row');
      const secret = Buffer.from(added.secret);
      for (const spelling of [
        secret.toString('hex'),
        secret.toString('base64'),
        secret.toString('base64url'),
        encodeBase32(added.secret),
        secret.toString('latin1'),
      ]) {
        assert.equal(cells.includes(spelling), false, 'the raw secret is in the table');
      }
    });
  });
}
