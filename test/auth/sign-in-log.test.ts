// The sign-in history's writer: cheap records, one transaction per batch, failures kept off the login path, pruning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInLog, type SignInLogOptions } from '../../src/auth/sign-in-log.js';
import type { NewSignIn } from '../../src/domain/sign-in.js';
import { MemorySignInStore } from '../../src/store/memory/memory-sign-in-store.js';

const entry = (txn: string, at = '2026-12-05T10:00:00.000Z'): NewSignIn => ({
  userName: 'alice',
  at,
  client: 'vpn-fw1',
  userIp: '',
  result: 'accepted',
  how: 'push',
  reason: '',
  txn,
});

/** A memory store that counts appends and fails while `down` is set; a clock and timers driven by the test. */
function setup(options: Partial<SignInLogOptions> = {}) {
  const store = new MemorySignInStore();
  const calls = { append: 0, prune: [] as string[] };
  let down = false;
  let nowMs = Date.parse('2026-12-05T10:00:00.000Z');
  let tick: (() => void) | undefined;
  let stopped = false;
  const soon: (() => void)[] = [];
  const events = {
    failed: [] as { suppressed: number; failures: number }[],
    pruned: [] as number[],
    pruneErrors: 0,
  };
  const log = new SignInLog({
    store: {
      append(entries) {
        calls.append++;
        if (down) throw new Error('disk full');
        store.append(entries);
      },
      pruneBefore(before) {
        calls.prune.push(before.toISOString());
        if (down) throw new Error('disk full');
        return store.pruneBefore(before);
      },
    },
    retentionDays: 90,
    now: () => nowMs,
    every: (t) => {
      tick = t;
      return () => {
        stopped = true;
      };
    },
    soon: (flush) => soon.push(flush),
    events: {
      flushFailed: (_error, counts) =>
        events.failed.push({ suppressed: counts.suppressed, failures: counts.failures }),
      pruned: (count) => events.pruned.push(count),
      pruneFailed: () => events.pruneErrors++,
    },
    ...options,
  });
  return {
    log,
    store,
    calls,
    events,
    soon,
    tick: () => tick!(),
    advance: (ms: number) => {
      nowMs += ms;
    },
    setDown: (value: boolean) => {
      down = value;
    },
    stopped: () => stopped,
    txns: () => store.recent('alice', 100_000).map((s) => s.txn),
  };
}

test('records wait in memory; the timer writes them all in one append', () => {
  const t = setup();
  t.tick(); // the first tick prunes; nothing to write yet
  assert.equal(t.calls.append, 0, 'no empty appends');
  for (let i = 0; i < 5; i++) t.log.record(entry(`t${i}`));
  assert.equal(t.calls.append, 0, 'recording is not writing');
  assert.equal(t.log.counts.waiting, 5);
  t.tick();
  assert.equal(t.calls.append, 1);
  assert.equal(t.txns().length, 5);
  assert.deepEqual(t.log.counts, { written: 5, failures: 0, dropped: 0, waiting: 0 });
});

test('a full batch asks for one flush soon, not one per record', () => {
  const t = setup({ batchSize: 4 });
  for (let i = 0; i < 10; i++) t.log.record(entry(`t${i}`));
  assert.equal(t.soon.length, 1);
  t.soon.shift()!();
  assert.equal(t.calls.append, 1);
  assert.equal(t.txns().length, 10);
  for (let i = 0; i < 4; i++) t.log.record(entry(`u${i}`));
  assert.equal(t.soon.length, 1, 'a new batch asks again');
});

test('close writes what waits and stops the timer; a record after close is dropped and counted', () => {
  const t = setup();
  t.log.record(entry('last'));
  assert.equal(t.log.close(), undefined, 'over a store that answers values, closing is done at once');
  assert.deepEqual(t.txns(), ['last']);
  assert.equal(t.stopped(), true);
  t.log.record(entry('late'));
  assert.equal(t.log.counts.dropped, 1);
  assert.deepEqual(t.txns(), ['last']);
});

test('a failing store never reaches the caller: rows are kept, retried after a growing delay, counted, reported rate-limited', () => {
  const t = setup({ reportEveryMs: 60_000 });
  t.tick();
  t.setDown(true);
  assert.doesNotThrow(() => t.log.record(entry('a')));
  t.tick();
  assert.equal(t.calls.append, 1);
  assert.equal(t.log.counts.failures, 1);
  assert.equal(t.log.counts.waiting, 1, 'kept for the next try');
  assert.deepEqual(t.events.failed, [{ suppressed: 0, failures: 1 }]);
  // Backing off: ticks within the delay do not try again.
  t.advance(500);
  t.tick();
  assert.equal(t.calls.append, 1);
  t.advance(1_000);
  t.tick();
  assert.equal(t.calls.append, 2, 'tried again after the delay');
  assert.equal(t.events.failed.length, 1, 'the second failure is not reported within a minute');
  t.advance(60_000);
  t.tick();
  assert.deepEqual(
    t.events.failed.at(-1),
    { suppressed: 1, failures: 3 },
    'then once, with what was kept quiet',
  );
  t.setDown(false);
  t.advance(30_000);
  t.log.record(entry('b'));
  t.tick();
  assert.deepEqual(t.txns().sort(), ['a', 'b']);
  assert.deepEqual(t.log.counts, { written: 2, failures: 3, dropped: 0, waiting: 0 });
});

test('an explicit flush (a reader, close) writes at once even while backing off', () => {
  const t = setup();
  t.setDown(true);
  t.log.record(entry('a'));
  assert.equal(t.log.flush(), false);
  t.setDown(false);
  assert.equal(t.log.flush(), true);
  assert.deepEqual(t.txns(), ['a']);
});

test('the buffer is bounded: while the store is down the oldest are dropped and counted, the newest kept in order', () => {
  const t = setup({ capacity: 3, batchSize: 100 });
  t.setDown(true);
  for (const txn of ['1', '2', '3', '4', '5']) t.log.record(entry(txn));
  assert.deepEqual(t.log.counts, { written: 0, failures: 0, dropped: 2, waiting: 3 });
  t.setDown(false);
  assert.equal(t.log.flush(), true);
  // Same time for all: the newest-first order is the order of appends, reversed.
  assert.deepEqual(t.txns(), ['5', '4', '3']);
  t.log.record(entry('6'));
  assert.equal(t.log.flush(), true);
  assert.deepEqual(t.txns(), ['6', '5', '4', '3'], 'the ring goes on from where it was');
});

test('pruning: at the first tick and then hourly, older than portal.signInHistoryDays; a failure is reported, not thrown', () => {
  const t = setup();
  t.store.append([entry('old', '2026-09-06T09:59:59.999Z'), entry('kept', '2026-09-06T10:00:00.000Z')]);
  t.tick();
  assert.deepEqual(t.calls.prune, ['2026-09-06T10:00:00.000Z']);
  assert.deepEqual(t.events.pruned, [1]);
  assert.deepEqual(t.txns(), ['kept']);
  t.advance(59 * 60_000);
  t.tick();
  assert.equal(t.calls.prune.length, 1, 'not again within the hour');
  t.advance(60_000);
  t.setDown(true);
  assert.doesNotThrow(() => t.tick());
  assert.equal(t.calls.prune.length, 2);
  assert.equal(t.events.pruneErrors, 1);
});

test('recordDecision keeps final outcomes of known users only (auth/sign-in-entry decides)', () => {
  const t = setup();
  const txn = 'f'.repeat(32);
  t.log.recordDecision({ kind: 'accept', user: 'alice', attributes: [], via: 'hotp' }, 'nas', undefined, txn);
  t.log.recordDecision({ kind: 'reject', reason: 'USER_UNKNOWN', user: 'alice' }, 'nas', undefined, txn);
  t.log.recordDecision({ kind: 'pending', user: 'alice', transactionId: txn }, 'nas', undefined, txn);
  t.log.recordDecision({ kind: 'reject', reason: 'CODE_WRONG', user: 'alice' }, 'nas', '192.0.2.1', txn);
  assert.equal(t.log.flush(), true);
  const rows = t.store.recent('alice', 10);
  assert.deepEqual(
    rows.map((r) => [r.result, r.how, r.reason, r.userIp, r.at]),
    [
      ['rejected', '', 'CODE_WRONG', '192.0.2.1', '2026-12-05T10:00:00.000Z'],
      ['accepted', 'hotp', '', '', '2026-12-05T10:00:00.000Z'],
    ],
  );
});

test('portal.signInHistoryDays 0: nothing is recorded, written or pruned', () => {
  const t = setup({ retentionDays: 0 });
  t.log.record(entry('kept-out'));
  t.log.recordDecision(
    { kind: 'accept', user: 'alice', attributes: [], via: 'totp' },
    'vpn-fw1',
    '',
    'txn-1',
  );
  t.tick();
  t.advance(2 * 3_600_000);
  t.tick();
  assert.equal(t.log.close(), undefined);
  assert.equal(t.calls.append, 0);
  assert.deepEqual(t.calls.prune, [], 'the rows already kept are left alone');
  assert.deepEqual(t.log.counts, { written: 0, failures: 0, dropped: 0, waiting: 0 });
});

test('over a store that answers with promises: one write at a time, rows kept until written, a flush meanwhile follows it', async () => {
  const store = new MemorySignInStore();
  const writes: (() => void)[] = [];
  let down = false;
  const log = new SignInLog({
    store: {
      append(entries) {
        const rows = [...entries];
        return new Promise<void>((resolve, reject) => {
          writes.push(() => {
            if (down) return reject(new Error('connection lost'));
            store.append(rows);
            resolve();
          });
        });
      },
      pruneBefore: async (before) => store.pruneBefore(before),
    },
    retentionDays: 90,
    every: () => () => {},
    soon: () => {},
  });
  const txns = () => store.recent('alice', 100).map((s) => s.txn);
  log.record(entry('a'));
  const first = log.flush();
  assert.ok(first instanceof Promise);
  log.record(entry('b'));
  const second = log.flush();
  assert.equal(writes.length, 1, 'one write at a time');
  assert.equal(log.counts.waiting, 2, 'rows stay until their write succeeded');
  writes.shift()!();
  assert.equal(await first, true);
  assert.equal(writes.length, 1, 'the flush asked for meanwhile writes what came after');
  writes.shift()!();
  assert.equal(await second, true);
  assert.deepEqual(txns(), ['b', 'a']);
  assert.deepEqual(log.counts, { written: 2, failures: 0, dropped: 0, waiting: 0 });
  down = true;
  log.record(entry('c'));
  const failed = log.flush();
  writes.shift()!();
  assert.equal(await failed, false);
  assert.deepEqual(log.counts, { written: 2, failures: 1, dropped: 0, waiting: 1 });
  down = false;
  const closed = log.close();
  assert.ok(closed instanceof Promise, 'closing waits for its last write');
  writes.shift()!();
  await closed;
  assert.deepEqual(txns(), ['c', 'b', 'a']);
  assert.equal(log.counts.waiting, 0);
});
