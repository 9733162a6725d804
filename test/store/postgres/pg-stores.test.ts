// Runs the user, client and token conformance suites on PostgreSQL, plus what only a shared server can show:
// sealing at rest, and the rules that must hold when two server processes ("nodes") write at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { type StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { hashBackupCode } from '../../../src/domain/token.js';
import { PgClientStore } from '../../../src/store/postgres/pg-client-store.js';
import { PgTokenStore } from '../../../src/store/postgres/pg-token-store.js';
import { PgUserStore } from '../../../src/store/postgres/pg-user-store.js';
import { createSealer, SealError, SealErrorCode } from '../../../src/store/sealer.js';
import { runClientStoreConformance } from '../client-store.conformance.js';
import { runTokenStoreConformance } from '../token-store.conformance.js';
import { runUserStoreConformance } from '../user-store.conformance.js';
import { freshPool, isCode, seed, totp, withOtherNode } from './pg-fixture.js';

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
