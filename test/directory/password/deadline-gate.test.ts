// The queue in front of password hashing (issue 12 item 9): bounded concurrency, stale work shed on its turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineGate } from '../../../src/directory/password/deadline-gate.js';
import { StaleRequestError } from '../../../src/domain/ports.js';

function deferred() {
  let resolve!: (ok: boolean) => void;
  const promise = new Promise<boolean>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('runs at most `concurrency` at once, the rest in arrival order', async () => {
  let now = 0;
  const gate = new DeadlineGate(1, () => now);
  const first = deferred();
  const started: string[] = [];
  const a = gate.run(undefined, () => {
    started.push('a');
    return first.promise;
  });
  const b = gate.run(100, async () => {
    started.push('b');
    return true;
  });
  assert.deepEqual(started, ['a'], 'b waits for a free slot');
  now = 50;
  first.resolve(false);
  assert.equal(await a, false);
  assert.equal(await b, true);
  assert.deepEqual(started, ['a', 'b']);
});

test('a job whose deadline passed while it waited is not run: StaleRequestError, counted as shed', async () => {
  let now = 0;
  const gate = new DeadlineGate(1, () => now);
  const first = deferred();
  const ran: string[] = [];
  void gate.run(undefined, () => first.promise);
  const stale = gate.run(1_000, async () => {
    ran.push('stale');
    return true;
  });
  const fresh = gate.run(5_000, async () => {
    ran.push('fresh');
    return true;
  });
  now = 1_001;
  first.resolve(true);
  await assert.rejects(stale, StaleRequestError);
  assert.equal(await fresh, true);
  assert.deepEqual(ran, ['fresh'], 'the stale job was never computed');
  assert.equal(gate.shed, 1);
});
