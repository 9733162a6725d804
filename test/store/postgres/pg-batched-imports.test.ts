// Runs the PostgreSQL user and token stores' batched imports at scale: one import of thousands of users or tokens
// means what one add or update after another would, and a batch refused anywhere adds nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type pg from 'pg';
import { StoreErrorCode } from '../../../src/domain/ports.js';
import { hashBackupCode, type NewToken } from '../../../src/domain/token.js';
import { PgTokenStore } from '../../../src/store/postgres/pg-token-store.js';
import { PgUserStore } from '../../../src/store/postgres/pg-user-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import { freshPool, isCode, totp } from './pg-fixture.js';

const sealer = createSealer(randomBytes(32));

/** What an import of `upsertMany` holds per user: the fields it can set. */
type ImportedUser = Parameters<PgUserStore['upsertMany']>[0][number];
interface ModelUser {
  status: string;
  passwordHash: string | null;
  groups: readonly string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * The meaning of `upsertMany`, one user after the other as the per-user UPDATE-then-INSERT had it: an existing
 * name is updated (the hash always; status and groups only when given), a new one is inserted with the defaults
 * (active, no groups); a name given twice is inserted by the first and updated by the second.
 */
function modelImport(
  held: Map<string, ModelUser>,
  users: readonly ImportedUser[],
  at: string,
): { added: number; updated: number } {
  let added = 0;
  let updated = 0;
  for (const user of users) {
    const old = held.get(user.name);
    if (old) {
      updated++;
      held.set(user.name, {
        status: user.status ?? old.status,
        passwordHash: user.passwordHash,
        groups: user.groups ?? old.groups,
        createdAt: old.createdAt,
        updatedAt: at,
      });
    } else {
      added++;
      held.set(user.name, {
        status: user.status ?? 'active',
        passwordHash: user.passwordHash,
        groups: user.groups ?? [],
        createdAt: at,
        updatedAt: at,
      });
    }
  }
  return { added, updated };
}

/** The users stored, as the model holds them. */
async function storedUsers(store: PgUserStore): Promise<{ held: Map<string, ModelUser> }> {
  const held = new Map<string, ModelUser>();
  for (const u of await store.list()) {
    held.set(u.name, {
      status: u.status,
      passwordHash: u.passwordHash,
      groups: u.groups,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
    });
  }
  return { held };
}

const IMPORTED_AT = '2025-01-02T03:04:05.000Z';
const OLD_STAMP = '2020-01-01T00:00:00.000Z';

/** Users of these names, written straight into the table (not through the store under test). */
async function seedUsers(pool: pg.Pool, names: readonly string[]): Promise<void> {
  await pool.query(
    'INSERT INTO users (name, status, password_hash, groups, created_at, updated_at) ' +
      "SELECT n, CASE WHEN o % 2 = 1 THEN 'disabled' ELSE 'active' END, 'old', '[\"old\"]', $2, $2 " +
      'FROM unnest($1::text[]) WITH ORDINALITY AS s (n, o) ORDER BY o',
    [names, OLD_STAMP],
  );
}

describe('PostgreSQL batched imports', () => {
  test('an import of 12,000 users, 3,000 already present: counts, updates, kept fields', async (t) => {
    const pool = await freshPool();
    const store = new PgUserStore(pool, { now: () => new Date(IMPORTED_AT) });
    const existing = Array.from({ length: 3000 }, (_, i) => `u${i * 4}`);
    await seedUsers(pool, existing);
    const before = await storedUsers(store);
    const idsBefore = new Map((await store.list()).map((u) => [u.name, u.id]));
    const users: ImportedUser[] = Array.from({ length: 12_000 }, (_, i) => ({
      name: `u${i}`,
      passwordHash: i % 7 === 0 ? null : `new${i}`,
      ...(i % 3 === 0 ? {} : { status: i % 3 === 1 ? ('active' as const) : ('disabled' as const) }),
      ...(i % 5 === 0 ? {} : { groups: [`g${i}`, 'all'] }),
    }));
    const started = performance.now();
    const counts = await store.upsertMany(users);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `upsertMany: 12,000 users in ${seconds.toFixed(2)} s, ${Math.round(12_000 / seconds)} users/s`,
    );
    const expected = before.held;
    assert.deepEqual(counts, modelImport(expected, users, IMPORTED_AT));
    assert.deepEqual(counts, { added: 9000, updated: 3000 });
    const after = await storedUsers(store);
    assert.equal(after.held.size, 12_000);
    assert.deepEqual(after.held, expected);
    // Present users keep their ids; new ones follow, in the order of the import.
    const listed = await store.list();
    for (const u of listed) if (idsBefore.has(u.name)) assert.equal(u.id, idsBefore.get(u.name));
    assert.deepEqual(
      listed.filter((u) => !idsBefore.has(u.name)).map((u) => u.name),
      users.map((u) => u.name).filter((name) => !idsBefore.has(name)),
    );
    // A disabled user whose import line gives no status stays disabled; groups absent are kept.
    const u0 = await store.getByName('u0');
    assert.equal(u0?.status, 'disabled');
    assert.deepEqual(u0?.groups, ['old']);
    assert.equal(u0?.passwordHash, null);
    assert.equal(u0?.createdAt, OLD_STAMP);
    assert.equal(u0?.updatedAt, IMPORTED_AT);
  });

  test('a name given twice in one import is added by the first and updated by the second', async () => {
    const pool = await freshPool();
    const store = new PgUserStore(pool, { now: () => new Date(IMPORTED_AT) });
    assert.deepEqual(
      await store.upsertMany([
        { name: 'a', passwordHash: 'one', status: 'disabled', groups: ['x'] },
        { name: 'b', passwordHash: 'b' },
        { name: 'a', passwordHash: 'two' },
        { name: 'a', passwordHash: null, groups: ['y'] },
      ]),
      { added: 2, updated: 2 },
    );
    const a = await store.getByName('a');
    assert.deepEqual([a?.passwordHash, a?.status, a?.groups], [null, 'disabled', ['y']]);
    // Repeats near and far apart, across the statements of a large import, some names already present.
    await seedUsers(pool, ['d5', 'd77']);
    const expected = (await storedUsers(store)).held;
    const users: ImportedUser[] = Array.from({ length: 7_000 }, (_, i) => ({
      name: `d${(i % 500 === 1 ? i - 1 : i) % 2300}`,
      passwordHash: `h${i}`,
      ...(i % 4 === 0 ? { status: i % 8 === 0 ? ('disabled' as const) : ('active' as const) } : {}),
      ...(i % 6 === 0 ? { groups: [`g${i}`] } : {}),
    }));
    users.splice(3000, 0, { ...users[2999]!, passwordHash: 'again' });
    const counts = await store.upsertMany(users);
    assert.deepEqual(counts, modelImport(expected, users, IMPORTED_AT));
    assert.deepEqual((await storedUsers(store)).held, expected);
  });

  test('12,000 tokens in one addMany, backup codes included', async (t) => {
    const pool = await freshPool();
    const store = new PgTokenStore(pool, sealer);
    const salt = randomBytes(20);
    const batch: NewToken[] = Array.from({ length: 12_000 }, (_, i) =>
      i % 10 === 9
        ? {
            ...totp(`BK${i}`, `user${i - 1}`, salt),
            type: 'backup',
            digits: 10,
            backupCodeHashes: [
              hashBackupCode(salt, `${1_000_000_000 + i}`),
              hashBackupCode(salt, '1234567890'),
            ],
          }
        : { ...totp(`T${i}`, `user${i}`, randomBytes(20)), period: 60, lastUsed: 5, label: `label ${i}` },
    );
    const started = performance.now();
    assert.equal(await store.addMany(batch), 12_000);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `addMany: 12,000 tokens in ${seconds.toFixed(2)} s, ${Math.round(12_000 / seconds)} tokens/s`,
    );
    const listed = await store.list();
    assert.deepEqual(
      listed.map((token) => token.serial),
      batch.map((token) => token.serial),
    );
    for (const i of [0, 1_000, 8_001, 11_998]) {
      const token = listed[i]!;
      assert.deepEqual(Buffer.from(token.secret), Buffer.from(batch[i]!.secret));
      assert.deepEqual(
        [token.userName, token.type, token.period, token.lastUsed, token.label],
        [`user${i}`, 'totp', 60, 5, `label ${i}`],
      );
    }
    assert.equal(await store.unusedBackupCodes('BK9'), 2);
    assert.equal(await store.unusedBackupCodes('BK11999'), 2);
    assert.equal((await pool.query('SELECT 1 FROM backup_codes')).rowCount, 2400);
    assert.equal(await store.useBackupCode('BK5009', hashBackupCode(salt, '1000005009'), new Date()), true);
  });

  test('a batch refused in a later slice adds nothing; the first refusal in batch order wins', async () => {
    const pool = await freshPool();
    const store = new PgTokenStore(pool, sealer);
    await store.add(totp('USED', 'someone', randomBytes(20)));
    const batch = () => Array.from({ length: 3_500 }, (_, i) => totp(`N${i}`, `n${i}`, randomBytes(20)));
    const copy = (b: NewToken[], i: number): NewToken => ({ ...b[i - 1]!, serial: `N${i}` });
    const conflict = isCode(StoreErrorCode.Conflict);
    const alreadyExists = isCode(StoreErrorCode.AlreadyExists);

    let b = batch();
    b[3_200] = copy(b, 3_200); // the same secret for the same user twice, in the last slice
    await assert.rejects(store.addMany(b), conflict);
    b = batch();
    b[2_600] = { ...b[2_600]!, serial: 'N10' }; // a serial used earlier in the batch
    await assert.rejects(store.addMany(b), alreadyExists);
    b = batch();
    b[2_600] = { ...b[2_600]!, userName: ' n1' }; // another spelling of n1, who gets N1 earlier
    b[2_700] = { ...b[2_700]!, serial: 'USED' };
    await assert.rejects(store.addMany(b), conflict, 'the conflict comes first in the batch');
    b = batch();
    b[2_600] = { ...b[2_600]!, serial: 'USED' };
    b[2_700] = copy(b, 2_700);
    await assert.rejects(store.addMany(b), alreadyExists, 'the used serial comes first in the batch');
    assert.deepEqual(
      (await store.list()).map((token) => token.serial),
      ['USED'],
    );
    assert.equal((await store.addMany(batch())) > 0, true);
  });
});
