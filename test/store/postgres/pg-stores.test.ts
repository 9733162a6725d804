// Runs the user, client and token conformance suites on PostgreSQL, plus what only a shared server can show:
// sealing at rest, and the rules that must hold when two server processes ("nodes") write at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { hashBackupCode, type NewToken } from '../../../src/domain/token.js';
import { PgClientStore } from '../../../src/store/postgres/pg-client-store.js';
import { PgTokenStore } from '../../../src/store/postgres/pg-token-store.js';
import { PgUserStore } from '../../../src/store/postgres/pg-user-store.js';
import { createSealer, SealError, SealErrorCode } from '../../../src/store/sealer.js';
import { runClientStoreConformance } from '../client-store.conformance.js';
import { runTokenStoreConformance } from '../token-store.conformance.js';
import { runUserStoreConformance } from '../user-store.conformance.js';
import { freshPool } from './pg-fixture.js';

const sealer = createSealer(randomBytes(32));

runUserStoreConformance('postgres', async (clock) => new PgUserStore(await freshPool(), { now: clock.now }));
runClientStoreConformance(
  'postgres',
  async (clock) => new PgClientStore(await freshPool(), sealer, { now: clock.now }),
);
runTokenStoreConformance(
  'postgres',
  async (clock) => new PgTokenStore(await freshPool(), sealer, { now: clock.now }),
);

/** Runs `use` with a second pool on the same database as `pool`: another server process, as far as it knows. */
async function withOtherNode<T>(pool: pg.Pool, use: (other: pg.Pool) => Promise<T>): Promise<T> {
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 });
  other.on('error', () => {});
  try {
    return await use(other);
  } finally {
    await other.end();
  }
}

const seed = Buffer.from('Token-Seed-Marker-7f3a9c');
const totp = (serial: string, userName = 'alice', secret: Uint8Array = seed): NewToken => ({
  serial,
  userName,
  type: 'totp',
  secret,
  algorithm: 'SHA1',
  digits: 6,
});

const isCode = (code: StoreErrorCode) => (error: unknown) =>
  error instanceof StoreError && error.code === code;

describe('PostgreSQL stores at rest', () => {
  test('the clients and tokens columns hold v1 sealed values, never the clear secret', async () => {
    const pool = await freshPool();
    const secret = 'Clear-Secret-Marker-7f3a9c';
    await new PgClientStore(pool, sealer).add({
      name: 'fw1',
      address: '192.0.2.1',
      secret: Buffer.from(secret),
    });
    await new PgTokenStore(pool, sealer).add(totp('S1'));
    const { rows } = await pool.query<{ sealed: string }>(
      'SELECT secret_sealed AS sealed FROM clients UNION ALL SELECT secret_sealed FROM tokens',
    );
    assert.equal(rows.length, 2);
    for (const { sealed } of rows) {
      assert.match(sealed, /^v1\./);
      assert.ok(!sealed.includes(secret) && !sealed.includes(seed.toString()));
      assert.ok(!sealed.includes(seed.toString('base64')) && !sealed.includes(seed.toString('hex')));
    }
  });

  test('a sealed value copied to another row does not open: it is bound to its row (A9.1)', async () => {
    const pool = await freshPool();
    const clients = new PgClientStore(pool, sealer);
    const tokens = new PgTokenStore(pool, sealer);
    await clients.add({ name: 'fw1', address: '192.0.2.1', secret: Buffer.from('secret-of-fw1-xxxx') });
    await clients.add({ name: 'fw2', address: '192.0.2.2', secret: Buffer.from('secret-of-fw2-yyyy') });
    await tokens.add(totp('S1'));
    await tokens.add(totp('S2', 'bob'));
    await pool.query(
      "UPDATE clients SET secret_sealed = (SELECT secret_sealed FROM clients WHERE name = 'fw1') WHERE name = 'fw2'",
    );
    await pool.query(
      "UPDATE tokens SET secret_sealed = (SELECT secret_sealed FROM tokens WHERE serial = 'S1') WHERE serial = 'S2'",
    );
    const keyMismatch = (error: unknown) =>
      isCode(StoreErrorCode.Unavailable)(error) &&
      (error as StoreError).cause instanceof SealError &&
      ((error as StoreError).cause as SealError).code === SealErrorCode.KeyMismatch;
    await assert.rejects(clients.getByName('fw2'), keyMismatch);
    await assert.rejects(clients.list(), keyMismatch);
    await assert.rejects(tokens.getBySerial('S2'), keyMismatch);
    assert.equal(Buffer.from((await clients.getByName('fw1'))!.secret).toString(), 'secret-of-fw1-xxxx');
    assert.deepEqual(Buffer.from((await tokens.getBySerial('S1'))!.secret), seed);
  });

  test('a duplicate client address is ALREADY_EXISTS naming the address', async () => {
    const clients = new PgClientStore(await freshPool(), sealer);
    await clients.add({ name: 'fw1', address: '192.0.2.1', secret: Buffer.from('testing123-testing123') });
    await assert.rejects(
      clients.add({ name: 'fw2', address: '192.0.2.1', secret: Buffer.from('testing123-testing123') }),
      (error: unknown) =>
        isCode(StoreErrorCode.AlreadyExists)(error) &&
        /address "192\.0\.2\.1"/.test((error as Error).message),
    );
  });

  test('a pool that cannot answer surfaces as STORE_UNAVAILABLE with the cause kept', async () => {
    const pool = await freshPool();
    const ended = new pg.Pool({ connectionString: pool.options.connectionString });
    await ended.end();
    await assert.rejects(
      new PgUserStore(ended).getByName('alice'),
      (error: unknown) => isCode(StoreErrorCode.Unavailable)(error) && (error as Error).cause !== undefined,
    );
  });
});

describe('PostgreSQL stores shared by two nodes', () => {
  test('recordSuccess with the same expected value at once from two nodes: exactly one wins (A6.4)', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      await a.add(totp('S1'));
      for (let step = 0; step < 30; step++) {
        const cas = { expectedLastUsed: step - 1, newLastUsed: step, drift: 0 };
        const results = await Promise.all([a.recordSuccess('S1', cas), b.recordSuccess('S1', cas)]);
        assert.equal(results.filter(Boolean).length, 1, `step ${step}: ${results}`);
      }
      assert.equal((await b.getBySerial('S1'))?.lastUsed, 29);
    });
  });

  test('recordSuccesses: one statement, each verdict as recordSuccess gives; two nodes racing a batch win each token once', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      const serials = ['B3', 'B1', 'B2', 'B4'];
      for (const serial of serials)
        await a.add(totp(serial, `user-${serial}`, Buffer.from(`seed-${serial}`)));
      const cas = (serial: string, expectedLastUsed: number, newLastUsed: number) => ({
        serial,
        success: { expectedLastUsed, newLastUsed, drift: 1 },
      });
      // Wrong expected value (B1), not newer (B2 to -1), unknown serial: refused; the rest moves.
      assert.deepEqual(
        await a.recordSuccesses([
          cas('B3', -1, 5),
          cas('B1', 7, 8),
          cas('B2', -1, -1),
          cas('NOPE', -1, 1),
          cas('B4', -1, 3),
        ]),
        [true, false, false, false, true],
      );
      assert.equal((await b.getBySerial('B3'))?.lastUsed, 5);
      assert.equal((await b.getBySerial('B3'))?.drift, 1);
      assert.equal((await b.getBySerial('B1'))?.lastUsed, -1);
      for (let step = 10; step < 40; step++) {
        const batch = serials.map((serial) => cas(serial, -1, 0));
        for (const item of batch) {
          const current = (await a.getBySerial(item.serial))!.lastUsed;
          Object.assign(item, cas(item.serial, current, step));
        }
        // The same batch from both nodes, in opposite orders: every token is won by exactly one of them.
        const [onA, onB] = await Promise.all([
          a.recordSuccesses(batch),
          b.recordSuccesses([...batch].reverse()),
        ]);
        const wonB = [...onB].reverse();
        for (let i = 0; i < batch.length; i++) {
          assert.equal(
            Number(onA[i]) + Number(wonB[i]),
            1,
            `step ${step} ${batch[i]!.serial}: ${onA} / ${onB}`,
          );
        }
      }
    });
  });

  test('two nodes adding tokens for two spellings of one user at once: one CONFLICT (issue 12)', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      for (let round = 0; round < 10; round++) {
        const [lower, upper] = [`lara${round}`, `Lara${round}`];
        const results = await Promise.allSettled([
          a.add(totp(`A${round}`, lower, randomBytes(20))),
          b.add(totp(`B${round}`, upper, randomBytes(20))),
        ]);
        const refused = results.filter((r) => r.status === 'rejected');
        assert.equal(refused.length, 1, `round ${round}`);
        assert.ok(isCode(StoreErrorCode.Conflict)((refused[0] as PromiseRejectedResult).reason));
        const held = await a.list();
        assert.equal(held.filter((t) => t.userName === lower || t.userName === upper).length, 1);
      }
    });
  });

  test('an import of 10,000 users goes in as one batch', async () => {
    const pool = await freshPool();
    const store = new PgTokenStore(pool, sealer);
    const batch = Array.from({ length: 10_000 }, (_, i) => totp(`IMP${i}`, `user${i}`, randomBytes(20)));
    assert.equal(await store.addMany(batch), 10_000);
    assert.equal((await store.list()).length, 10_000);
  });

  test('an import and a single add for two spellings of one user, from two nodes at once: one CONFLICT', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      for (let round = 0; round < 5; round++) {
        // Over 32 users: the import locks the table; the single add locks its user and the table for writing.
        const batch = Array.from({ length: 40 }, (_, i) =>
          totp(`R${round}-${i}`, `r${round}u${i}`, randomBytes(20)),
        );
        batch.push(totp(`R${round}-lara`, `Lara${round}`, randomBytes(20)));
        const results = await Promise.allSettled([
          a.addMany(batch),
          b.add(totp(`S${round}`, `lara${round}`, randomBytes(20))),
        ]);
        const refused = results.filter((r) => r.status === 'rejected');
        assert.equal(refused.length, 1, `round ${round}: ${results.map((r) => r.status).join(', ')}`);
        assert.ok(isCode(StoreErrorCode.Conflict)((refused[0] as PromiseRejectedResult).reason));
      }
    });
  });

  test('two nodes adding one secret twice to one user at once: one CONFLICT', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      for (let round = 0; round < 10; round++) {
        const secret = randomBytes(20);
        const results = await Promise.allSettled([
          a.add(totp(`A${round}`, 'alice', secret)),
          b.add(totp(`B${round}`, 'alice', secret)),
        ]);
        assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'], `round ${round}`);
      }
      assert.equal((await a.listForUser('alice')).length, 10);
    });
  });

  test('recordFailure from two nodes at once loses no count (A6.5)', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      await a.add(totp('S1'));
      const counts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).recordFailure('S1', new Date())),
      );
      assert.deepEqual(
        counts.sort((x, y) => x! - y!),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });
  });

  test('one backup code used at once from two nodes is accepted once (A9.2)', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgTokenStore(pool, sealer);
      const b = new PgTokenStore(other, sealer);
      const salt = randomBytes(20);
      const codes = Array.from({ length: 10 }, (_, i) => String(1_000_000_000 + i));
      await a.add({
        ...totp('B1'),
        type: 'backup',
        secret: salt,
        digits: 10,
        backupCodeHashes: codes.map((code) => hashBackupCode(salt, code)),
      });
      for (const code of codes) {
        const hash = hashBackupCode(salt, code);
        const used = await Promise.all([
          a.useBackupCode('B1', hash, new Date()),
          b.useBackupCode('B1', hash, new Date()),
        ]);
        assert.equal(used.filter(Boolean).length, 1, code);
      }
      assert.equal(await b.unusedBackupCodes('B1'), 0);
    });
  });

  test('two nodes importing the same new user at once: one adds it, the other updates it', async () => {
    const pool = await freshPool();
    await withOtherNode(pool, async (other) => {
      const a = new PgUserStore(pool);
      const b = new PgUserStore(other);
      for (let round = 0; round < 10; round++) {
        const user = { name: `u${round}`, passwordHash: null };
        const results = await Promise.all([a.upsertMany([user]), b.upsertMany([user])]);
        assert.deepEqual(results.map((r) => r.added).sort(), [0, 1]);
      }
      assert.equal(await a.count(), 10);
    });
  });

  test('applyReplayMarks moves lastUsed only forward, and the ids come back as numbers', async () => {
    const tokens = new PgTokenStore(await freshPool(), sealer);
    const s1 = await tokens.add(totp('S1', 'alice', randomBytes(20)));
    const s2 = await tokens.add(totp('S2', 'alice', randomBytes(20)));
    assert.equal(typeof s1.id, 'number');
    assert.equal(await tokens.recordSuccess('S2', { expectedLastUsed: -1, newLastUsed: 90, drift: 2 }), true);
    const marks = new Map([
      [s1.id, { lastUsed: 40, drift: 1 }],
      [s2.id, { lastUsed: 50, drift: -1 }],
      [s2.id + 100, { lastUsed: 60, drift: 0 }],
    ]);
    assert.equal(await tokens.applyReplayMarks(marks), 1);
    assert.deepEqual(
      (await tokens.list()).map((t) => [t.serial, t.lastUsed, t.drift]),
      [
        ['S1', 40, 1],
        ['S2', 90, 2],
      ],
    );
    assert.equal(await tokens.applyReplayMarks(new Map()), 0);
  });
});

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
