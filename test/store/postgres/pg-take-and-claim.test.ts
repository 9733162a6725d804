// PgChallengeStore.takeAndClaim: a typed code's answer finds and claims its session in one statement per turn
// (A4.1, A4.3, A4.4), and whatever it may not claim is answered as `take` answers it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import type { TakeClaimResult } from '../../../src/domain/challenge-session.js';
import { PgChallengeStore } from '../../../src/store/postgres/pg-challenge-store.js';
import { newChallenge } from '../challenge-store.conformance.js';
import { countingPool, freshPool } from './pg-fixture.js';

const verdict = (taken: TakeClaimResult) =>
  taken.ok ? (taken.claimed === true ? 'claimed' : 'found') : taken.reason;

describe('PostgreSQL challenge sessions: take and claim in one step for a typed code', () => {
  test('a live session bound to the answer is claimed at once: one statement, its attempt counted', async () => {
    const { pool, statements } = countingPool(await freshPool());
    const store = new PgChallengeStore(pool, 60_000);
    const session = await store.open(newChallenge(), 1000);
    statements.length = 0;
    const taken = await store.takeAndClaim(Uint8Array.from(session.state), 'fw1', 'Alice', 2000);
    assert.equal(verdict(taken), 'claimed');
    assert.ok(taken.ok);
    assert.equal(taken.session.transactionId, session.transactionId);
    assert.equal(taken.session.codeAttempts, 1);
    assert.equal(taken.session.checking, true);
    assert.deepEqual(statements, ['challenge-take-claim-many'], 'no separate lookup and claim');
    // A4.3: the claim ended the session (no push waits on it), so a second answer meanwhile finds it used, on
    // any node, and a node that dies while checking leaves it ended.
    const second = await store.takeAndClaim(Uint8Array.from(session.state), 'fw1', 'Alice', 2001);
    assert.equal(verdict(second), 'STATE_USED');
    assert.equal(
      second.ok ? '' : second.session?.transactionId,
      session.transactionId,
      'logged with its txn',
    );
    // Accepted: ending it costs nothing more, and the State stays used.
    statements.length = 0;
    await store.end(taken.session, 2002);
    assert.deepEqual(statements, [], 'the claim ended it already');
    assert.equal(verdict(await store.takeAndClaim(session.state, 'fw1', 'Alice', 2003)), 'STATE_USED');
    // A release (a code that lost to a push's decision) does not bring it back.
    await store.release(taken.session);
    assert.equal(verdict(await store.takeAndClaim(session.state, 'fw1', 'Alice', 2004)), 'STATE_USED');
  });

  test('a session a push waits on is claimed but not ended: the push decides; a wrong code re-challenges it', async () => {
    const { pool, statements } = countingPool(await freshPool());
    const store = new PgChallengeStore(pool, 60_000);
    const session = await store.open(newChallenge(), 1000);
    assert.equal(await store.startPushing(session), true);
    const taken = await store.takeAndClaim(Uint8Array.from(session.state), 'fw1', 'Alice', 2000);
    assert.ok(taken.ok && taken.claimed === true && taken.session.pushing);
    // Being checked, not ended: a second answer finds it so (and is refused by the caller as STATE_USED).
    const second = await store.takeAndClaim(Uint8Array.from(session.state), 'fw1', 'Alice', 2001);
    assert.ok(second.ok && second.claimed === undefined && second.session.checking);
    // A wrong code with attempts left: the ordinary re-challenge, and the new State is claimed again.
    await store.rechallenge(taken.session);
    const again = await store.takeAndClaim(Uint8Array.from(taken.session.state), 'fw1', 'Alice', 2002);
    assert.ok(again.ok && again.claimed === true && again.session.codeAttempts === 2);
    statements.length = 0;
    await store.end(again.session, 2003);
    assert.deepEqual(statements, ['challenge-end-many'], 'ended by its own statement');
    assert.equal(verdict(await store.takeAndClaim(again.session.state, 'fw1', 'Alice', 2004)), 'STATE_USED');
  });

  test('a re-challenge brings back only the row its claim ended: a session ended otherwise stays ended', async () => {
    const pool = await freshPool();
    const store = new PgChallengeStore(pool, 60_000);
    const session = await store.open(newChallenge(), 1000);
    const taken = await store.takeAndClaim(Uint8Array.from(session.state), 'fw1', 'Alice', 2000);
    assert.ok(taken.ok && taken.claimed === true);
    // Something else touched the row meanwhile (as no transition of this store can: the guard must hold anyway).
    await pool.query('UPDATE challenge_sessions SET ended_at = ended_at + 1 WHERE transaction_id = $1', [
      session.transactionId,
    ]);
    await store.rechallenge(taken.session);
    assert.equal(
      verdict(await store.takeAndClaim(taken.session.state, 'fw1', 'Alice', 2001)),
      'STATE_UNKNOWN',
    );
  });

  test('what it may not claim is answered as take answers it: unknown, foreign, expired, replaced, enrollment', async () => {
    const store = new PgChallengeStore(await freshPool(), 60_000);
    assert.equal(verdict(await store.takeAndClaim(new Uint8Array(16), 'fw1', 'Alice', 1)), 'STATE_UNKNOWN');
    assert.equal(verdict(await store.takeAndClaim(new Uint8Array(3), 'fw1', 'Alice', 1)), 'STATE_UNKNOWN');
    // A4.1: another client or User-Name is foreign, and ends the session (the State leaked).
    const leaked = await store.open(newChallenge(), 1000);
    assert.equal(verdict(await store.takeAndClaim(leaked.state, 'fw2', 'Alice', 2000)), 'STATE_FOREIGN');
    assert.equal(verdict(await store.takeAndClaim(leaked.state, 'fw1', 'Alice', 2001)), 'STATE_USED');
    const other = await store.open(newChallenge(), 1000);
    assert.equal(verdict(await store.takeAndClaim(other.state, 'fw1', 'alice', 2000)), 'STATE_FOREIGN');
    const late = await store.open(newChallenge(), 1000);
    assert.equal(verdict(await store.takeAndClaim(late.state, 'fw1', 'Alice', 61_001)), 'STATE_EXPIRED');
    // A re-challenged session's old State is used; its new one is claimed.
    const retried = await store.open(newChallenge(), 1000);
    const old = Uint8Array.from(retried.state);
    const first = await store.takeAndClaim(old, 'fw1', 'Alice', 2000);
    assert.ok(first.ok && first.claimed === true);
    await store.rechallenge(first.session);
    assert.equal(verdict(await store.takeAndClaim(old, 'fw1', 'Alice', 2002)), 'STATE_USED');
    const again = await store.takeAndClaim(first.session.state, 'fw1', 'Alice', 2003);
    assert.ok(again.ok && again.claimed === true);
    assert.equal(again.session.codeAttempts, 2);
    // An enrollment at login's answer is counted by the enrollment, never claimed here.
    const enrolling = await store.open(newChallenge({ enrollUrl: 'https://x.test/e/1' }), 1000);
    const found = await store.takeAndClaim(enrolling.state, 'fw1', 'Alice', 2000);
    assert.equal(verdict(found), 'found');
    assert.ok(found.ok && !found.session.checking && found.session.codeAttempts === 0);
  });

  test('A4.3: one State answered on two nodes at once, and twice in one batch: exactly one claim, 25 rounds', async () => {
    const pool = await freshPool();
    const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 });
    other.on('error', () => {});
    try {
      const [a, b] = [new PgChallengeStore(pool, 60_000), new PgChallengeStore(other, 60_000)];
      for (let round = 0; round < 25; round++) {
        const session = await a.open(newChallenge(), 0);
        const answers = await Promise.all([
          a.takeAndClaim(session.state, 'fw1', 'Alice', 1),
          a.takeAndClaim(session.state, 'fw1', 'Alice', 1),
          b.takeAndClaim(session.state, 'fw1', 'Alice', 1),
          b.takeAndClaim(session.state, 'fw1', 'Alice', 1),
        ]);
        const verdicts = answers.map(verdict);
        assert.equal(verdicts.filter((v) => v === 'claimed').length, 1, `round ${round}: ${verdicts}`);
        assert.equal(
          verdicts.filter((v) => v === 'STATE_USED').length,
          3,
          `round ${round}: the others find it used (its claim ended it): ${verdicts}`,
        );
      }
    } finally {
      await other.end();
    }
  });
});
