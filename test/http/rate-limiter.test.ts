// SECURITY A8.7 / B5 #62: one address gets its burst, then its rate; others are unaffected; memory is bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../src/http/rate-limiter.js';

test('a burst, then one request per 1/rate seconds; another address has its own budget', () => {
  const limiter = new RateLimiter(2, 3);
  const t = 1_000_000;
  assert.deepEqual(
    [1, 2, 3, 4].map(() => limiter.take('a', t)),
    [true, true, true, false],
  );
  assert.equal(limiter.retryAfterSeconds('a'), 1);
  assert.equal(limiter.take('b', t), true);
  assert.equal(limiter.take('a', t + 499), false);
  assert.equal(limiter.take('a', t + 500), true, 'half a second later one token is back');
});

test('tracked addresses stay under the cap during a flood from many addresses', () => {
  const limiter = new RateLimiter(1, 1, 100);
  for (let i = 0; i < 1000; i++) assert.equal(limiter.take(`10.0.${i >> 8}.${i & 255}`, 5), true);
  assert.ok(limiter.size <= 100, String(limiter.size));
});
