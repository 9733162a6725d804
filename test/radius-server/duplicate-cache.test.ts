import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateCache, DuplicateStatus } from '../../src/radius-server/duplicate-cache.js';

const auth = (n: number) => new Uint8Array(16).fill(n);

test('absorbs a retransmission while the request is in progress (RFC 5080 §2.2.2)', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  assert.equal(cache.check('k', auth(1), 0), DuplicateStatus.New);
  cache.begin('k', auth(1), 0);
  assert.equal(cache.check('k', auth(1), 10), DuplicateStatus.InProgress);
});

test('resends the cached reply byte for byte to a retransmission after the answer', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin('k', auth(1), 0);
  const reply = Uint8Array.of(2, 1, 0, 20);
  cache.complete('k', reply, 5);
  assert.equal(cache.check('k', auth(1), 1000), DuplicateStatus.Answered);
  assert.equal(cache.cachedReply, reply);
});

test('treats the same key with a new Request Authenticator as a new request and purges the old entry', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin('k', auth(1), 0);
  cache.complete('k', new Uint8Array(20), 0);
  assert.equal(cache.check('k', auth(2), 10), DuplicateStatus.New);
  assert.equal(cache.size, 0);
});

test('forgets replies after their lifetime and sweeps them', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin('a', auth(1), 0);
  cache.complete('a', new Uint8Array(20), 0);
  cache.begin('b', auth(1), 0);
  assert.equal(cache.check('a', auth(1), 30_000), DuplicateStatus.New);
  cache.begin('c', auth(1), 0);
  cache.complete('c', new Uint8Array(20), 0);
  cache.sweep(30_001);
  assert.equal(cache.size, 1, 'the in-progress entry stays until its own deadline');
  cache.sweep(120_001);
  assert.equal(cache.size, 0);
});

test('stays bounded: the oldest entry goes when full', () => {
  const cache = new DuplicateCache(30_000, 120_000, 3);
  for (let i = 0; i < 10; i++) cache.begin(`k${i}`, auth(i), i);
  assert.equal(cache.size, 3);
  assert.equal(cache.check('k9', auth(9), 10), DuplicateStatus.InProgress);
  assert.equal(cache.check('k0', auth(0), 10), DuplicateStatus.New);
});

test('abandon lets a retransmission be processed afresh', () => {
  const cache = new DuplicateCache(30_000, 120_000, 3);
  cache.begin('k', auth(1), 0);
  cache.abandon('k');
  assert.equal(cache.check('k', auth(1), 1), DuplicateStatus.New);
});
