// The held-request table: one entry per waiting transaction, several requests per transaction, its own cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeldRequests } from '../../src/radius-server/held-requests.js';

const request = (id: number, started = 0) => ({ id, started });

test('requests are held by transaction; take returns all of one transaction once', () => {
  const held = new HeldRequests<{ id: number; started: number }>(10);
  assert.equal(held.hold('t1', request(1)), true);
  assert.equal(held.hold('t1', request(2)), true, 'a resend with the same State joins its transaction');
  assert.equal(held.hold('t2', request(3)), true);
  assert.equal(held.size, 3);
  assert.deepEqual(
    held.take('t1').map((r) => r.id),
    [1, 2],
  );
  assert.deepEqual(held.take('t1'), [], 'a decision arriving twice finds nothing the second time');
  assert.equal(held.size, 1);
});

test('the cap (push.maxPending) refuses more, apart from radius.maxInFlight', () => {
  const held = new HeldRequests<{ id: number; started: number }>(2);
  assert.equal(held.hold('a', request(1)), true);
  assert.equal(held.hold('b', request(2)), true);
  assert.equal(held.hold('c', request(3)), false);
  held.take('a');
  assert.equal(held.hold('c', request(3)), true);
});

test('expire removes transactions holding a request older than the limit; -1 empties the table', () => {
  const held = new HeldRequests<{ id: number; started: number }>(10);
  held.hold('old', request(1, 0));
  held.hold('new', request(2, 9_000));
  assert.deepEqual(
    held.expire(10_000, 5_000).map((r) => r.id),
    [1],
  );
  assert.deepEqual(
    held.expire(10_000, -1).map((r) => r.id),
    [2],
  );
  assert.equal(held.size, 0);
});
