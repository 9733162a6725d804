// Issue 18: a drawn enrollment code already stored is drawn again, a bounded number of times, counted once against
// the bounds, on a store that answers at once (SQLite, memory) as on one that answers with promises (PostgreSQL).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { EnrollmentCodes } from '../../src/auth/enrollment-codes.js';
import type { EnrollmentLinkStore } from '../../src/domain/enrollment-link-store.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { MemoryEnrollmentLinkStore } from '../../src/store/memory/memory-enrollment-link-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteEnrollmentLinkStore } from '../../src/store/sqlite/sqlite-enrollment-link-store.js';
import { scratchDir } from '../support/scratch-dir.js';

const TTL = 600_000;
const T0 = 1_800_000_000_000;
const HELD = 'K7Q2M9XW';
const FRESH = ['H3J4N5P6', 'R8S9T2U3', 'V4W5X6Y7', 'Z2A3B4C5', 'D6E7F8G9', 'L2M3N4P5'];

/** A code source that answers `codes` in turn and records every draw. */
function drawing(...codes: string[]) {
  const drawn: string[] = [];
  const draw = () => {
    const code = codes.shift();
    if (code === undefined) throw new Error('the test drew more codes than it set up');
    drawn.push(code);
    return code;
  };
  return { drawn, draw };
}

/** `store` answering with promises, as the PostgreSQL adapter does. */
function answeringLater(store: EnrollmentLinkStore): EnrollmentLinkStore {
  return {
    issue: async (link, bounds) => store.issue(link, bounds),
    peek: async (key, now) => store.peek(key, now),
    take: async (key, now) => store.take(key, now),
    holdTotp: async (key, secret, now) => store.holdTotp(key, secret, now),
    pendingTotp: async (user, txn, now) => store.pendingTotp(user, txn, now),
    sweep: async (now, windowMs) => store.sweep(now, windowMs),
  };
}

/** A store in which erin holds the open code HELD. */
async function heldBy(store: EnrollmentLinkStore) {
  const issued = await new EnrollmentCodes(store, TTL, drawing(HELD).draw).issue('erin', 'txn-erin', '', T0);
  assert.ok('code' in issued && issued.code === HELD);
}

const codeOf = (issued: Awaited<ReturnType<EnrollmentCodes['issue']>>) =>
  'code' in issued ? issued.code : issued.refused;

test('a code already stored is drawn again: the second draw is issued and the first stays with its holder', async () => {
  for (const [name, store] of [
    ['answering at once', new MemoryEnrollmentLinkStore()],
    ['answering later', answeringLater(new MemoryEnrollmentLinkStore())],
  ] as const) {
    await heldBy(store);
    const source = drawing(HELD, FRESH[0]!);
    const codes = new EnrollmentCodes(store, TTL, source.draw);
    const issued = await codes.issue('bob', 'txn-bob', '203.0.113.9', T0 + 1);
    assert.equal(codeOf(issued), FRESH[0], name);
    assert.deepEqual(source.drawn, [HELD, FRESH[0]], `${name}: drawn twice`);
    assert.deepEqual(await codes.peek(HELD, T0 + 2), {
      userName: 'erin',
      transactionId: 'txn-erin',
      expiresAt: T0 + TTL,
    });
    assert.equal((await codes.peek(FRESH[0]!, T0 + 2))?.userName, 'bob');
  }
});

test('a redrawn login counts once against the bounds: 5 codes per user an hour, the taken draws not among them', async () => {
  const store = new MemoryEnrollmentLinkStore();
  await heldBy(store);
  // Every issue of bob's first draws erin's code: the bound of 5 still gives him 5 codes, then refuses.
  const source = drawing(...FRESH.slice(0, 5).flatMap((code) => [HELD, code]), FRESH[5]!);
  const codes = new EnrollmentCodes(store, TTL, source.draw);
  for (let i = 0; i < 5; i++)
    assert.equal(codeOf(await codes.issue('bob', `txn${i}`, '', T0 + i)), FRESH[i], `code ${i}`);
  assert.equal(codeOf(await codes.issue('bob', 'txn5', '', T0 + 5)), 'ENROLLMENT_LIMITED');
});

test('three draws in a row already stored: the issue fails with ALREADY_EXISTS and stores or counts nothing', async () => {
  for (const [name, store] of [
    ['answering at once', new MemoryEnrollmentLinkStore()],
    ['answering later', answeringLater(new MemoryEnrollmentLinkStore())],
  ] as const) {
    await heldBy(store);
    const stuck = drawing(HELD, HELD, HELD);
    const codes = new EnrollmentCodes(store, TTL, stuck.draw);
    await assert.rejects(
      async () => codes.issue('bob', 'txn-bob', '', T0 + 1),
      (error: unknown) =>
        error instanceof StoreError &&
        error.code === StoreErrorCode.AlreadyExists &&
        /3 codes drawn, each one already stored/.test(error.message),
      name,
    );
    assert.equal(stuck.drawn.length, 3, `${name}: three draws, no more`);
    assert.equal((await codes.peek(HELD, T0 + 2))?.userName, 'erin', `${name}: the holder keeps it`);
    const fresh = new EnrollmentCodes(store, TTL, drawing(...FRESH.slice(0, 5)).draw);
    for (let i = 0; i < 5; i++)
      assert.equal(
        codeOf(await fresh.issue('bob', `txn${i}`, '', T0 + 3)),
        FRESH[i],
        `${name}: bound untouched`,
      );
  }
});

test('on SQLite a redrawn code is answered at once, a value and not a promise, and so is the failure', () => {
  const db = openSqlite(join(scratchDir('assent-enrollment-codes-'), 'a.db'));
  try {
    const store = new SqliteEnrollmentLinkStore(db, createSealer(randomBytes(32)));
    const erin = new EnrollmentCodes(store, TTL, drawing(HELD).draw).issue('erin', 'txn-erin', '', T0);
    assert.ok(!(erin instanceof Promise) && 'code' in erin);
    const bob = new EnrollmentCodes(store, TTL, drawing(HELD, FRESH[0]!).draw).issue(
      'bob',
      'txn-bob',
      '',
      T0,
    );
    assert.ok(!(bob instanceof Promise), 'a value');
    assert.equal(codeOf(bob), FRESH[0]);
    const stuck = new EnrollmentCodes(store, TTL, drawing(HELD, FRESH[0]!, HELD).draw);
    assert.throws(
      () => stuck.issue('carl', 'txn-carl', '', T0),
      (error: unknown) => error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists,
    );
  } finally {
    db.close();
  }
});
