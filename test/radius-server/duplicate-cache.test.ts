import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateCache, DuplicateStatus, duplicateSlot } from '../../src/radius-server/duplicate-cache.js';

const auth = (n: number) => new Uint8Array(16).fill(n);
const NAS = '192.0.2.10';
const k = duplicateSlot(0, 40_000, 7);

test('absorbs a retransmission while the request is in progress (RFC 5080 §2.2.2)', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  assert.equal(cache.check(NAS, k, auth(1), 0), DuplicateStatus.New);
  cache.begin(NAS, k, auth(1), 0);
  assert.equal(cache.check(NAS, k, auth(1), 10), DuplicateStatus.InProgress);
});

test('resends the cached reply byte for byte to a retransmission after the answer', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin(NAS, k, auth(1), 0);
  const reply = Uint8Array.of(2, 1, 0, 20);
  cache.complete(NAS, k, reply, 5);
  assert.equal(cache.check(NAS, k, auth(1), 1000), DuplicateStatus.Answered);
  assert.deepEqual(cache.cachedReply, reply);
});

test('keeps its own copy of the reply, and an entry reused for the next request shows only that reply', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin(NAS, k, auth(1), 0);
  const long = Uint8Array.from({ length: 90 }, (_, i) => i);
  cache.complete(NAS, k, long, 1);
  long.fill(0xee); // the encoder's shared buffer is reused for later packets
  assert.equal(cache.check(NAS, k, auth(1), 2), DuplicateStatus.Answered);
  assert.deepEqual(
    cache.cachedReply,
    Uint8Array.from({ length: 90 }, (_, i) => i),
  );
  // The NAS reuses the Identifier with a new authenticator: a new request in the same entry.
  assert.equal(cache.check(NAS, k, auth(2), 3), DuplicateStatus.New);
  cache.begin(NAS, k, auth(2), 3);
  assert.equal(
    cache.check(NAS, k, auth(2), 4),
    DuplicateStatus.InProgress,
    'not answered with the old reply',
  );
  assert.equal(cache.check(NAS, k, auth(1), 4), DuplicateStatus.New, 'the old authenticator is gone');
  cache.begin(NAS, k, auth(1), 4);
  cache.complete(NAS, k, Uint8Array.of(3, 9, 0, 20), 5);
  assert.equal(cache.check(NAS, k, auth(1), 6), DuplicateStatus.Answered);
  assert.deepEqual(cache.cachedReply, Uint8Array.of(3, 9, 0, 20));
  assert.equal(cache.size, 1);
});

test('treats the same key with a new Request Authenticator as a new request and purges the old entry', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin(NAS, k, auth(1), 0);
  cache.complete(NAS, k, new Uint8Array(20), 0);
  assert.equal(cache.check(NAS, k, auth(2), 10), DuplicateStatus.New);
  assert.equal(cache.size, 0);
});

test('the key is the whole of socket, source address, source port and Identifier', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  cache.begin(NAS, k, auth(1), 0);
  assert.equal(cache.check('192.0.2.11', k, auth(1), 1), DuplicateStatus.New, 'another address');
  assert.equal(
    cache.check(NAS, duplicateSlot(1, 40_000, 7), auth(1), 1),
    DuplicateStatus.New,
    'another socket',
  );
  assert.equal(
    cache.check(NAS, duplicateSlot(0, 40_001, 7), auth(1), 1),
    DuplicateStatus.New,
    'another port',
  );
  assert.equal(cache.check(NAS, duplicateSlot(0, 40_000, 8), auth(1), 1), DuplicateStatus.New, 'another id');
  const slots = new Set<number>();
  for (const socket of [0, 1, 63, 64, 200])
    for (const port of [0, 1, 65_535]) for (const id of [0, 255]) slots.add(duplicateSlot(socket, port, id));
  assert.equal(slots.size, 5 * 3 * 2, 'no two keys share a slot');
});

test('forgets replies after their lifetime and sweeps them, and the sources left empty', () => {
  const cache = new DuplicateCache(30_000, 120_000, 10);
  const [a, b, c] = [1, 2, 3].map((id) => duplicateSlot(0, 40_000, id)) as [number, number, number];
  cache.begin(NAS, a, auth(1), 0);
  cache.complete(NAS, a, new Uint8Array(20), 0);
  cache.begin(NAS, b, auth(1), 0);
  assert.equal(cache.check(NAS, a, auth(1), 30_000), DuplicateStatus.New);
  cache.begin('192.0.2.11', c, auth(1), 0);
  cache.complete('192.0.2.11', c, new Uint8Array(20), 0);
  cache.sweep(30_001);
  assert.equal(cache.size, 1, 'the in-progress entry stays until its own deadline');
  cache.sweep(120_001);
  assert.equal(cache.size, 0);
  assert.equal(cache.check(NAS, b, auth(1), 120_002), DuplicateStatus.New);
});

test('stays bounded: the first entry of the same source goes first when full', () => {
  const cache = new DuplicateCache(30_000, 120_000, 3);
  cache.begin('192.0.2.11', k, auth(99), 0);
  for (let i = 0; i < 10; i++) cache.begin(NAS, duplicateSlot(0, 40_000, i), auth(i), i);
  assert.equal(cache.size, 3);
  assert.equal(cache.check(NAS, duplicateSlot(0, 40_000, 9), auth(9), 10), DuplicateStatus.InProgress);
  assert.equal(cache.check(NAS, duplicateSlot(0, 40_000, 0), auth(0), 10), DuplicateStatus.New);
  assert.equal(
    cache.check('192.0.2.11', k, auth(99), 10),
    DuplicateStatus.InProgress,
    "one busy client does not push out another's entry",
  );
  // A new source when full takes the room from the first source that has any.
  cache.begin('192.0.2.12', k, auth(5), 11);
  assert.equal(cache.size, 3);
  assert.equal(cache.check('192.0.2.12', k, auth(5), 12), DuplicateStatus.InProgress);
});

test('abandon lets a retransmission be processed afresh', () => {
  const cache = new DuplicateCache(30_000, 120_000, 3);
  cache.begin(NAS, k, auth(1), 0);
  cache.abandon(NAS, k);
  assert.equal(cache.size, 0);
  assert.equal(cache.check(NAS, k, auth(1), 1), DuplicateStatus.New);
  cache.abandon(NAS, k);
  assert.equal(cache.size, 0, 'abandoning twice counts once');
});
