// Owns the conformance suite every EnrollmentLinkStore adapter must pass (issue 18, SECURITY A11.4, A9.1;
// ARCHITECTURE.md §6: one suite, every adapter).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { EnrollmentLinkStore, StoredEnrollmentLink } from '../../src/domain/enrollment-link-store.js';
import { encodeBase32 } from '../../src/otp/base32.js';

/**
 * Builds a fresh, empty store on each call; `second` is another node (or process) on the same database; `table`
 * reads every stored cell as text (absent for memory, which has no disk to protect).
 */
export type MakeEnrollmentLinkStore = () => Awaitable<{
  store: EnrollmentLinkStore;
  second?: EnrollmentLinkStore;
  table?: () => Awaitable<string>;
}>;

const T0 = 1_800_000_000_000;
const TTL = 600_000;
const HOUR = 3600_000;
const bounds = { perUser: 5, perSource: 30, windowMs: HOUR };

const link = (
  key: string,
  user = 'erin',
  at = T0,
  source = '',
  txn = `txn-${key}`,
): StoredEnrollmentLink => ({
  key,
  user,
  transactionId: txn,
  source,
  issuedAt: at,
  expiresAt: at + TTL,
});

const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

export function runEnrollmentLinkStoreConformance(name: string, make: MakeEnrollmentLinkStore): void {
  describe(`EnrollmentLinkStore conformance: ${name}`, () => {
    test('a link issued on one node is peeked as it was on both, any number of times; an unknown key is not', async () => {
      const { store, second } = await make();
      const issued = link('k1', 'erin', T0, '198.51.100.1');
      assert.equal(await store.issue(issued, bounds), 'issued');
      for (const node of [store, second ?? store, store])
        assert.deepEqual(await node.peek('k1', T0 + 1), issued);
      assert.equal(await store.peek('k2', T0), undefined);
    });

    test('a link is taken once: the second take and every later peek see nothing (A11.4)', async () => {
      const { store, second } = await make();
      await store.issue(link('k1'), bounds);
      assert.deepEqual(await (second ?? store).take('k1', T0 + 1), link('k1'));
      assert.equal(await store.take('k1', T0 + 1), undefined);
      assert.equal(await store.peek('k1', T0 + 1), undefined);
      assert.equal(await (second ?? store).holdTotp('k1', randomBytes(20), T0 + 1), undefined);
      assert.equal(await store.take('never', T0), undefined);
    });

    test('two nodes taking the same link at once: exactly one wins', async () => {
      const { store, second } = await make();
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`;
        await store.issue(link(key, `user${round}`), bounds);
        const won = await Promise.all([store.take(key, T0), (second ?? store).take(key, T0)]);
        assert.equal(won.filter((w) => w !== undefined).length, 1, `round ${round}`);
      }
    });

    test("a new link replaces the user's open one, its TOTP key with it; other users keep theirs", async () => {
      const { store, second } = await make();
      await store.issue(link('old'), bounds);
      await store.issue(link('bob', 'bob'), bounds);
      await store.holdTotp('old', randomBytes(20), T0);
      await (second ?? store).issue(link('new', 'erin', T0 + 1), bounds);
      assert.equal(await store.peek('old', T0 + 2), undefined);
      assert.equal(await store.take('old', T0 + 2), undefined);
      assert.equal(await store.pendingTotp('erin', 'txn-old', T0 + 2), undefined);
      assert.equal((await store.peek('new', T0 + 2))?.user, 'erin');
      assert.equal((await store.peek('bob', T0 + 2))?.user, 'bob');
    });

    test('two nodes issuing for one user at once: both succeed in turn and exactly one link stays open', async () => {
      const { store, second } = await make();
      for (let round = 0; round < 5; round++) {
        const user = `racer${round}`;
        const keys = [`${user}-a`, `${user}-b`];
        const issued = await Promise.all([
          store.issue(link(keys[0]!, user), bounds),
          (second ?? store).issue(link(keys[1]!, user), bounds),
        ]);
        assert.deepEqual(issued, ['issued', 'issued'], `round ${round}`);
        // Open as either node sees it: one link in all, the same on both.
        const open = new Set<string>();
        for (const node of [store, second ?? store])
          for (const key of keys) if ((await node.peek(key, T0 + 1)) !== undefined) open.add(key);
        assert.equal(open.size, 1, `round ${round}: ${[...open]}`);
      }
    });

    test("a key already stored, open or spent, any user's, is 'taken': nothing is stored, closed or counted", async () => {
      const { store, second } = await make();
      const other = second ?? store;
      const tight = { perUser: 2, perSource: 2, windowMs: HOUR };
      const erin = link('k1', 'erin', T0, '203.0.113.9');
      assert.equal(await store.issue(erin, tight), 'issued');
      const secret = randomBytes(20);
      await store.holdTotp('k1', secret, T0);
      assert.equal(
        await other.issue(link('k1', 'bob', T0 + 1, '203.0.113.9'), tight),
        'taken',
        'open, another user',
      );
      assert.equal(await other.issue(link('k1', 'erin', T0 + 1), tight), 'taken', "open, the user's own");
      assert.deepEqual(await store.peek('k1', T0 + 2), erin, 'the open link is as it was');
      const held = await other.pendingTotp('erin', 'txn-k1', T0 + 2);
      assert.equal(hex(held?.secret), hex(secret), 'its TOTP key too: the close was undone');
      await store.take('k1', T0 + 2);
      assert.equal(await other.issue(link('k1', 'frank', T0 + 3), tight), 'taken', 'spent');
      // Had the taken ones counted, each of these would be over its bound.
      assert.equal(
        await store.issue(link('b1', 'bob', T0 + 4, '203.0.113.9'), tight),
        'issued',
        'per source',
      );
      assert.equal(await store.issue(link('e2', 'erin', T0 + 5), tight), 'issued', 'per user');
      assert.equal(await other.issue(link('f1', 'frank', T0 + 6), tight), 'issued');
      assert.equal(await other.issue(link('f2', 'frank', T0 + 7), tight), 'issued', 'per user, a spent key');
      assert.equal(
        await store.issue(link('b1', 'erin', T0 + 8), tight),
        'limited',
        'the bounds are looked at first',
      );
    });

    test("two nodes issuing one key for two users at once: one link is issued, the other node hears 'taken'", async () => {
      const { store, second } = await make();
      for (let round = 0; round < 5; round++) {
        const key = `twice-${round}`;
        const [left, right] = [`left${round}`, `right${round}`] as const;
        const answers = await Promise.all([
          store.issue(link(key, left), bounds),
          (second ?? store).issue(link(key, right), bounds),
        ]);
        assert.deepEqual([...answers].sort(), ['issued', 'taken'], `round ${round}`);
        const winner = answers[0] === 'issued' ? left : right;
        for (const node of [store, second ?? store])
          assert.equal((await node.peek(key, T0 + 1))?.user, winner);
      }
    });

    test('5 links per user and 30 per source an hour, counted across nodes, spent and replaced ones too', async () => {
      const { store, second } = await make();
      const nodes = [store, second ?? store];
      for (let i = 0; i < 5; i++) {
        assert.equal(await nodes[i % 2]!.issue(link(`u${i}`, 'erin', T0 + i), bounds), 'issued', `link ${i}`);
        await nodes[(i + 1) % 2]!.take(`u${i}`, T0 + i);
      }
      assert.equal(
        await store.issue(link('u5', 'erin', T0 + 10), bounds),
        'limited',
        'the sixth in the hour',
      );
      assert.equal(await (second ?? store).issue(link('u6', 'erin', T0 + 11), bounds), 'limited');
      assert.equal(await store.peek('u5', T0 + 12), undefined, 'a refused link is not stored');
      assert.equal(await store.issue(link('u7', 'erin', T0 + HOUR), bounds), 'issued', 'the hour passes');
      for (let i = 0; i < 30; i++) {
        const node = nodes[i % 2]!;
        assert.equal(
          await node.issue(link(`s${i}`, `user${i}`, T0, '203.0.113.9'), bounds),
          'issued',
          `source ${i}`,
        );
      }
      assert.equal(
        await store.issue(link('s30', 'user30', T0, '203.0.113.9'), bounds),
        'limited',
        '30 per source',
      );
      assert.equal(
        await store.issue(link('s31', 'user31', T0, '203.0.113.10'), bounds),
        'issued',
        'another source',
      );
      for (let i = 0; i < 6; i++)
        assert.equal(
          await store.issue(link(`n${i}`, `anon${i}`, T0, ''), bounds),
          'issued',
          'no source: no source bound',
        );
    });

    test('a held TOTP key is read by (user, login) only, on any node; a later one replaces it', async () => {
      const { store, second } = await make();
      const other = second ?? store;
      await store.issue(link('k1', 'erin', T0, '', 'txn1'), bounds);
      assert.equal(await store.pendingTotp('erin', 'txn1', T0), undefined, 'nothing held yet');
      const first = randomBytes(20);
      assert.equal((await other.holdTotp('k1', first, T0))?.user, 'erin');
      const held = await store.pendingTotp('erin', 'txn1', T0);
      assert.deepEqual({ key: held?.key, secret: hex(held?.secret) }, { key: 'k1', secret: hex(first) });
      assert.equal(await store.pendingTotp('erin', 'other-login', T0), undefined, 'bound to the login');
      assert.equal(await store.pendingTotp('frank', 'txn1', T0), undefined, 'bound to the user');
      const later = randomBytes(20);
      await store.holdTotp('k1', later, T0 + 1);
      assert.equal(hex((await other.pendingTotp('erin', 'txn1', T0 + 1))?.secret), hex(later));
      assert.equal(
        await store.holdTotp('unknown', later, T0),
        undefined,
        'nothing kept without an open link',
      );
      assert.equal(await store.pendingTotp('erin', 'txn1', T0 + TTL), undefined, 'ends with the link');
    });

    test('the spend of a held key is conditional: of two nodes spending at once one wins, and the key goes', async () => {
      const { store, second } = await make();
      for (let round = 0; round < 5; round++) {
        const user = `spender${round}`;
        await store.issue(link(`k${round}`, user, T0, '', 'txn'), bounds);
        await store.holdTotp(`k${round}`, randomBytes(20), T0);
        const [a, b] = await Promise.all([
          store.pendingTotp(user, 'txn', T0),
          (second ?? store).pendingTotp(user, 'txn', T0),
        ]);
        assert.ok(a !== undefined && b !== undefined, 'both nodes read the key');
        const won = await Promise.all([store.take(a.key, T0), (second ?? store).take(b.key, T0)]);
        assert.equal(won.filter((w) => w !== undefined).length, 1, `round ${round}`);
        assert.equal(await store.pendingTotp(user, 'txn', T0), undefined, 'spent with its link');
      }
    });

    test('an expired link is neither peeked, taken nor held; the sweep keeps rows the hourly bounds still count', async () => {
      const { store } = await make();
      await store.issue(link('old', 'erin', T0), bounds);
      await store.issue(link('new', 'bob', T0 + 60_000), bounds);
      await store.take('new', T0 + 60_000);
      const expiry = T0 + TTL;
      assert.equal(await store.peek('old', expiry), undefined, 'at expiresAt it is gone');
      assert.equal(await store.take('old', expiry), undefined);
      assert.equal(await store.holdTotp('old', randomBytes(20), expiry), undefined);
      assert.equal(await store.sweep(expiry, HOUR), 0, 'still counted for an hour after issue');
      assert.equal(await store.sweep(T0 + HOUR, HOUR), 1);
      assert.equal(await store.sweep(T0 + HOUR, HOUR), 0);
      assert.equal(await store.sweep(T0 + HOUR + 60_000, HOUR), 1, 'the spent one too');
      for (let i = 0; i < 5; i++)
        assert.equal(await store.issue(link(`e${i}`, 'erin', T0 + HOUR + i), bounds), 'issued');
    });

    test('the TOTP key is stored sealed and the code is not a column: no spelling of either in the table (A9.1)', async (t) => {
      const { store, table } = await make();
      if (table === undefined) return t.skip('no table on disk');
      await store.issue(link('k1', 'erin', T0, '198.51.100.1'), bounds);
      const secret = randomBytes(20);
      await store.holdTotp('k1', secret, T0);
      const cells = await table();
      assert.match(cells, /erin/, 'the table dump holds the row');
      const raw = Buffer.from(secret);
      for (const spelling of [
        raw.toString('hex'),
        raw.toString('base64'),
        raw.toString('base64url'),
        encodeBase32(secret),
        raw.toString('latin1'),
      ]) {
        assert.equal(cells.includes(spelling), false, 'the raw key is in the table');
      }
    });
  });
}
