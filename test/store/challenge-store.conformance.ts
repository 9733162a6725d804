// Owns the conformance suite every ChallengeStore adapter must pass (SECURITY A4); adapters may answer with promises.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { ChallengeStore, NewChallenge, TakeResult } from '../../src/domain/challenge-session.js';

/** A store whose sessions live `lifetimeMs`. */
export type MakeChallengeStore = (lifetimeMs: number) => Awaitable<ChallengeStore>;

let opened = 0;
export const newChallenge = (over: Partial<NewChallenge> = {}): NewChallenge => ({
  transactionId: `txn-${process.pid}-${++opened}`,
  clientName: 'fw1',
  typedName: 'Alice',
  identity: { name: 'alice', groups: ['vpn', 'staff'], source: 'local' },
  number: '',
  enrollUrl: '',
  userIp: '',
  ...over,
});

const reasonOf = (taken: TakeResult) => (taken.ok ? 'ok' : taken.reason);

export function runChallengeStoreConformance(name: string, makeStore: MakeChallengeStore): void {
  describe(`ChallengeStore conformance: ${name}`, () => {
    test('open gives a fresh 16-octet State; take finds the session with every field it was opened with', async () => {
      const store = await makeStore(60_000);
      const fields = newChallenge({ number: '42', userIp: '198.51.100.7', enrollUrl: 'https://x.test/e/1' });
      const session = await store.open(fields, 1000);
      assert.equal(session.state.length, 16);
      assert.equal(session.deadline, 61_000);
      const other = await store.open(newChallenge(), 1000);
      assert.notDeepEqual(other.state, session.state);
      const taken = await store.take(Uint8Array.from(session.state), 'fw1', 'Alice', 2000);
      assert.ok(taken.ok);
      const s = taken.session;
      assert.deepEqual(
        {
          txn: s.transactionId,
          client: s.clientName,
          typed: s.typedName,
          identity: s.identity,
          number: s.number,
          ip: s.userIp,
          url: s.enrollUrl,
          attempts: s.codeAttempts,
          checking: s.checking,
          pushing: s.pushing,
          deadline: s.deadline,
        },
        {
          txn: fields.transactionId,
          client: 'fw1',
          typed: 'Alice',
          identity: fields.identity,
          number: '42',
          ip: '198.51.100.7',
          url: 'https://x.test/e/1',
          attempts: 0,
          checking: false,
          pushing: false,
          deadline: 61_000,
        },
      );
    });

    test('unknown, short and altered States are refused as unknown; the real one still works', async () => {
      const store = await makeStore(60_000);
      const session = await store.open(newChallenge(), 0);
      assert.equal(
        reasonOf(await store.take(new Uint8Array(randomBytes(16)), 'fw1', 'Alice', 1)),
        'STATE_UNKNOWN',
      );
      assert.equal(
        reasonOf(await store.take(session.state.subarray(0, 15), 'fw1', 'Alice', 1)),
        'STATE_UNKNOWN',
      );
      const altered = Uint8Array.from(session.state);
      altered[15]! ^= 1;
      assert.equal(reasonOf(await store.take(altered, 'fw1', 'Alice', 1)), 'STATE_UNKNOWN');
      assert.equal(reasonOf(await store.take(session.state, 'fw1', 'Alice', 1)), 'ok');
    });

    test('A4.3: one claim at a time; the claim counts the attempt; release lets the next answer claim', async () => {
      const store = await makeStore(60_000);
      const session = await store.open(newChallenge(), 0);
      const first = await store.take(session.state, 'fw1', 'Alice', 1);
      const second = await store.take(session.state, 'fw1', 'Alice', 1);
      assert.ok(first.ok && second.ok);
      assert.equal(await store.claim(first.session, 2), true);
      assert.equal(first.session.codeAttempts, 1);
      assert.equal(await store.claim(second.session, 2), false, 'a second answer meanwhile is refused');
      const during = await store.take(session.state, 'fw1', 'Alice', 3);
      assert.ok(during.ok && during.session.checking, 'a take during the check sees it');
      await store.release(first.session);
      const after = await store.take(session.state, 'fw1', 'Alice', 4);
      assert.ok(after.ok);
      assert.equal(await store.claim(after.session, 4), true);
      assert.equal(after.session.codeAttempts, 2);
    });

    test('end is final and harmless twice: the State reads as used, a claim on it fails', async () => {
      const store = await makeStore(60_000);
      const session = await store.open(newChallenge(), 0);
      const taken = await store.take(session.state, 'fw1', 'Alice', 1);
      assert.ok(taken.ok);
      await store.end(taken.session, 2);
      await store.end(taken.session, 3);
      assert.equal(reasonOf(await store.take(session.state, 'fw1', 'Alice', 4)), 'STATE_USED');
      assert.equal(await store.claim(taken.session, 5), false);
    });

    test('a re-challenge moves the login to a new State and keeps its attempts; the old one reads as used', async () => {
      const store = await makeStore(60_000);
      const session = await store.open(newChallenge(), 0);
      const old = Uint8Array.from(session.state);
      const taken = await store.take(old, 'fw1', 'Alice', 1);
      assert.ok(taken.ok);
      assert.equal(await store.claim(taken.session, 1), true);
      await store.rechallenge(taken.session, 2);
      assert.notDeepEqual(taken.session.state, old);
      assert.equal(taken.session.checking, false);
      assert.equal(reasonOf(await store.take(old, 'fw1', 'Alice', 3)), 'STATE_USED');
      const next = await store.take(taken.session.state, 'fw1', 'Alice', 3);
      assert.ok(next.ok);
      assert.equal(next.session.transactionId, session.transactionId);
      assert.equal(next.session.codeAttempts, 1);
      assert.equal(await store.claim(next.session, 4), true, 'the new State is not claimed');
    });

    test('expired and foreign States are refused and end their session (RFC 5080 §2.1.1, A4.1, A4.5)', async () => {
      const store = await makeStore(1000);
      const late = await store.open(newChallenge(), 0);
      assert.equal(reasonOf(await store.take(late.state, 'fw1', 'Alice', 1001)), 'STATE_EXPIRED');
      assert.notEqual(reasonOf(await store.take(late.state, 'fw1', 'Alice', 1002)), 'ok');
      for (const [client, typed] of [
        ['fw2', 'Alice'],
        ['fw1', 'alice'],
      ] as const) {
        const leaked = await store.open(newChallenge(), 2000);
        const foreign = await store.take(leaked.state, client, typed, 2001);
        assert.equal(reasonOf(foreign), 'STATE_FOREIGN');
        assert.equal(foreign.ok ? undefined : foreign.session?.transactionId, leaked.transactionId);
        assert.equal(reasonOf(await store.take(leaked.state, 'fw1', 'Alice', 2002)), 'STATE_USED');
      }
    });

    test('A3.4: the first to start the push wins; later takes see the session as pushing', async () => {
      const store = await makeStore(60_000);
      const session = await store.open(newChallenge(), 0);
      const a = await store.take(session.state, 'fw1', 'Alice', 1);
      const b = await store.take(session.state, 'fw1', 'Alice', 1);
      assert.ok(a.ok && b.ok);
      assert.equal(await store.startPushing(a.session), true);
      assert.equal(await store.startPushing(b.session), false);
      assert.equal(b.session.pushing, true);
      const later = await store.take(session.state, 'fw1', 'Alice', 2);
      assert.ok(later.ok && later.session.pushing);
    });
  });
}
