// How a portal sign-in waits for its push (docs/self-service.md): the sending node's listener, or, on another node,
// the shared push row read when a decision notice names it (PostgreSQL) or every second; a row left unanswered past
// its deadline (its node gone) is a timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationPushes } from '../../src/auth/application-pushes.js';
import { pushStateNow, stateOfTransaction, waitForPush } from '../../src/auth/portal-push-wait.js';
import { type PushTransaction, TransactionStatus } from '../../src/domain/push-transaction.js';
import { Reason } from '../../src/domain/reason.js';

const row = (status: PushTransaction['status'], fields: Partial<PushTransaction> = {}): PushTransaction => ({
  id: 'a'.repeat(32),
  sessionId: 's',
  userName: 'alice',
  clientName: 'portal',
  userIp: '',
  number: '',
  createdAt: 0,
  deadline: 25_000,
  status,
  ...fields,
});
/** A node that holds no push at all: every wait must go to the row. */
const elsewhere = new ApplicationPushes({} as never);

test('a row tells approved, refused with its reason, pending, and a timeout once long past its deadline', () => {
  assert.deepEqual(stateOfTransaction(row(TransactionStatus.Approved), 0), { kind: 'approved' });
  assert.deepEqual(stateOfTransaction(row(TransactionStatus.Denied, { reason: Reason.PushNotMe }), 0), {
    kind: 'refused',
    reason: Reason.PushNotMe,
  });
  assert.deepEqual(stateOfTransaction(row(TransactionStatus.PushSent), 26_000), { kind: 'pending' });
  assert.deepEqual(stateOfTransaction(row(TransactionStatus.PushSent), 31_000), {
    kind: 'refused',
    reason: Reason.PushTimeout,
  });
  assert.deepEqual(stateOfTransaction(undefined, 0), { kind: 'unknown' });
});

test('on a node that did not send the push, the wait reads the row until it is decided', async () => {
  let reads = 0;
  const readPush = () => {
    reads++;
    return row(reads < 3 ? TransactionStatus.PushSent : TransactionStatus.Approved);
  };
  const deps = { pushes: elsewhere, readPush, now: () => 0 };
  assert.deepEqual(await pushStateNow(deps, 'a'.repeat(32)), { kind: 'pending' });
  const started = Date.now();
  assert.deepEqual(await waitForPush(deps, 'a'.repeat(32), 10_000), { kind: 'approved' });
  assert.equal(reads, 3);
  assert.ok(Date.now() - started < 5_000, 'read about once a second');
});

test('without the row (or a reader), another node knows no push; a wait gives up at its time, or when aborted', async () => {
  assert.deepEqual(await pushStateNow({ pushes: elsewhere, now: () => 0 }, 'x'), { kind: 'unknown' });
  const pending = { pushes: elsewhere, readPush: () => row(TransactionStatus.PushSent), now: () => 0 };
  assert.deepEqual(await waitForPush(pending, 'x', 50), { kind: 'pending' });
  const gone = new AbortController();
  const waiting = waitForPush(pending, 'x', 10_000, gone.signal);
  gone.abort();
  assert.deepEqual(await waiting, { kind: 'pending' });
});

test('with decision notices the row is read when a notice names the push, not every second', async () => {
  let status: PushTransaction['status'] = TransactionStatus.PushSent;
  let reads = 0;
  const readPush = () => {
    reads++;
    return row(status);
  };
  const hearers = new Map<string, () => void>();
  const hearDecision = (txn: string, heard: () => void) => {
    hearers.set(txn, heard);
    return () => hearers.delete(txn);
  };
  const txn = 'a'.repeat(32);
  const started = Date.now();
  const waiting = waitForPush({ pushes: elsewhere, readPush, hearDecision, now: () => 0 }, txn, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(reads, 1, 'no read a second later: the notice will say when');
  assert.ok(hearers.has(txn));
  hearers.get('b'.repeat(32))?.();
  status = TransactionStatus.Approved;
  hearers.get(txn)!();
  assert.deepEqual(await waiting, { kind: 'approved' });
  assert.equal(reads, 2, 'one read for the notice');
  assert.ok(Date.now() - started < 2_500, 'the answer was heard at once');
  assert.equal(hearers.size, 0, 'a settled wait stops hearing');
});
