// Runs the lockout, push device, API key, grace, sign-in and server secret conformance suites on the PostgreSQL
// adapters, plus what only several nodes on one database show: races between pools end as on one node.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { PgAccountLockoutStore } from '../../../src/store/postgres/pg-account-lockout-store.js';
import { PgApiKeyStore } from '../../../src/store/postgres/pg-api-key-store.js';
import { PgGraceLoginStore } from '../../../src/store/postgres/pg-grace-login-store.js';
import { PgPushDeviceStore } from '../../../src/store/postgres/pg-push-device-store.js';
import { PgServerSecretStore } from '../../../src/store/postgres/pg-server-secret-store.js';
import { PgSignInStore } from '../../../src/store/postgres/pg-sign-in-store.js';
import { createSealer, SealError } from '../../../src/store/sealer.js';
import { runAccountLockoutStoreConformance } from '../account-lockout-store.conformance.js';
import { runApiKeyStoreConformance } from '../api-key-store.conformance.js';
import { runGraceLoginStoreConformance } from '../grace-login-store.conformance.js';
import { runPushDeviceStoreConformance } from '../push-device-store.conformance.js';
import { runServerSecretStoreConformance } from '../server-secret-store.conformance.js';
import { signInRow as row, runSignInStoreConformance } from '../sign-in-store.conformance.js';
import { freshPool } from './pg-fixture.js';

const sealer = createSealer(new Uint8Array(randomBytes(32)));

runAccountLockoutStoreConformance('postgres', async () => new PgAccountLockoutStore(await freshPool()));
runPushDeviceStoreConformance('postgres', async () => new PgPushDeviceStore(await freshPool(), sealer));
runApiKeyStoreConformance('postgres', async (now) => new PgApiKeyStore(await freshPool(), { now }));
runServerSecretStoreConformance('postgres', async () => new PgServerSecretStore(await freshPool(), sealer));
runGraceLoginStoreConformance('postgres', async () => new PgGraceLoginStore(await freshPool()));
runSignInStoreConformance('postgres', async () => new PgSignInStore(await freshPool()));

/** Another node on the database of `pool`: its own pool, so its statements run on other connections. */
async function withSecondNode(pool: pg.Pool, run: (other: pg.Pool) => Promise<void>): Promise<void> {
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 });
  other.on('error', () => {});
  try {
    await run(other);
  } finally {
    await other.end();
  }
}

const hash = (code: string) => new Uint8Array(createHash('sha256').update(code).digest());
const now = new Date('2026-12-03T10:00:00.000Z');

describe('PostgreSQL stores on two nodes of one database', () => {
  test('lockout failures sent to two nodes at once meet one counter: each count is given once (A6.5)', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgAccountLockoutStore(pool);
      const b = new PgAccountLockoutStore(other);
      const counts = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).recordFailure('alice', now)),
      );
      assert.deepEqual(
        counts.sort((x, y) => x - y),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal((await b.get('alice'))?.failures, 40);
    });
  });

  test('one activation code taken on two nodes at once goes to exactly one (SECURITY A8.9)', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgPushDeviceStore(pool, sealer);
      const b = new PgPushDeviceStore(other, sealer);
      for (let i = 0; i < 10; i++) {
        await a.addActivation({
          codeHash: hash(`code-${i}`),
          userName: 'alice',
          label: `phone ${i}`,
          expiresAt: '2026-12-03T10:10:00.000Z',
        });
        const taken = await Promise.all([
          a.takeActivation(hash(`code-${i}`), now),
          b.takeActivation(hash(`code-${i}`), now),
        ]);
        assert.deepEqual(
          taken.filter((t) => t !== undefined),
          [{ userName: 'alice', label: `phone ${i}` }],
          `code ${i}`,
        );
      }
    });
  });

  test('a server secret made on two nodes at once: both get the one stored first', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgServerSecretStore(pool, sealer);
      const b = new PgServerSecretStore(other, sealer);
      for (let i = 0; i < 10; i++) {
        const [one, two] = await Promise.all([
          a.getOrCreate(`key-${i}`, () => new Uint8Array(randomBytes(32))),
          b.getOrCreate(`key-${i}`, () => new Uint8Array(randomBytes(32))),
        ]);
        assert.deepEqual(two, one, `key-${i}`);
        assert.deepEqual(await a.getOrCreate(`key-${i}`, () => new Uint8Array(1)), one);
      }
    });
  });

  test('grace sign-ins counted on two nodes at once all count, each count given once', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgGraceLoginStore(pool);
      const b = new PgGraceLoginStore(other);
      const counts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).recordUse('carol', now)),
      );
      assert.deepEqual(
        counts.sort((x, y) => x - y),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal(await b.used('carol'), 20);
    });
  });

  test('sign-ins: another node appending between two batches does not break either chain', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const a = new PgSignInStore(pool);
      const b = new PgSignInStore(other);
      await a.append([row('alice', '2026-12-05T10:00:01.000Z', { txn: 'a1' })]);
      await b.append([row('alice', '2026-12-05T10:00:02.000Z', { txn: 'b1' })]);
      await a.append([row('alice', '2026-12-05T10:00:03.000Z', { txn: 'a2' })]);
      assert.deepEqual(
        (await b.recent('alice', 10)).map((s) => s.txn),
        ['a2', 'b1', 'a1'],
      );
    });
  });

  test('sign-ins: batches sent by two nodes at once get distinct ids and one chain per user', async () => {
    const pool = await freshPool();
    await withSecondNode(pool, async (other) => {
      const nodes = [new PgSignInStore(pool), new PgSignInStore(other)];
      const batches = Array.from({ length: 20 }, (_, i) =>
        ['alice', 'bob', 'alice'].map((user, j) =>
          row(user, '2026-12-05T10:00:00.000Z', { txn: `${i}-${j}` }),
        ),
      );
      await Promise.all(batches.map((batch, i) => nodes[i % 2]!.append(batch)));
      const alice = await nodes[0]!.recent('alice', 100);
      const bob = await nodes[1]!.recent('bob', 100);
      assert.equal(alice.length, 40);
      assert.equal(bob.length, 20);
      const ids = [...alice, ...bob].map((s) => s.id);
      assert.equal(new Set(ids).size, 60, 'no id given twice');
      assert.deepEqual(
        alice.map((s) => s.id),
        alice.map((s) => s.id).sort((x, y) => y - x),
        'newest first',
      );
      // Within a batch the order recorded stands: its second alice row comes before its first in `recent`.
      for (let i = 0; i < 20; i++) {
        const mine = alice.filter((s) => s.txn.startsWith(`${i}-`)).map((s) => s.txn);
        assert.deepEqual(mine, [`${i}-2`, `${i}-0`]);
      }
    });
  });
});

describe('PgSignInStore', () => {
  test('ids are numbers, as SQLite returns them (BIGINT comes back from pg as a string)', async () => {
    const store = new PgSignInStore(await freshPool());
    await store.append([row('alice', '2026-01-01T00:00:00.000Z')]);
    const [first] = await store.recent('alice', 1);
    assert.equal(typeof first?.id, 'number');
    assert.equal(typeof (await store.get(first!.id))?.id, 'number');
  });

  test('appends and prunes started together in one process run one after the other', async () => {
    const store = new PgSignInStore(await freshPool());
    await Promise.all([
      store.append([row('alice', '2026-01-01T00:00:00.000Z', { txn: 'old' })]),
      store.append([row('alice', '2026-06-01T00:00:00.000Z', { txn: 'mid' })]),
      store.pruneBefore(new Date('2026-03-01T00:00:00.000Z')),
      store.append([row('alice', '2026-09-01T00:00:00.000Z', { txn: 'new' })]),
    ]);
    assert.deepEqual(
      (await store.recent('alice', 10)).map((s) => s.txn),
      ['new', 'mid'],
    );
  });

  test('big batches (past a heads update) keep every chain; a restart continues them', async () => {
    const pool = await freshPool();
    const writer = new PgSignInStore(pool);
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        row(users[(from + i) % users.length]!, '2026-12-05T10:00:00.000Z', { txn: String(from + i) }),
      );
    await writer.append(batch(0, 13_001));
    await writer.append(batch(13_001, 9_000)); // past 20,000 rows: the heads table is brought up to date
    await writer.append(batch(22_001, 37));
    const reader = new PgSignInStore(pool);
    const expected = (user: string, n: number) => {
      const out: string[] = [];
      for (let i = 22_037; i >= 0 && out.length < n; i--)
        if (users[i % users.length] === user) out.push(String(i));
      return out;
    };
    for (const user of users) {
      assert.deepEqual(
        (await reader.recent(user, 25)).map((s) => s.txn),
        expected(user, 25),
        user,
      );
    }
    const page = await reader.recent('u3', 10);
    assert.deepEqual(
      (await reader.olderThan('u3', page[9]!.id, 3)).map((s) => s.txn),
      expected('u3', 13).slice(10),
    );
    const { rows } = await pool.query<{ heads_upto: string }>('SELECT heads_upto FROM sign_in_state');
    assert.equal(rows[0]?.heads_upto, '22001', 'the heads were written after the second batch');
    const restarted = new PgSignInStore(pool);
    await restarted.append([row('u3', '2026-12-05T11:00:00.000Z', { txn: 'after' })]);
    assert.deepEqual(
      (await reader.recent('u3', 3)).map((s) => s.txn),
      ['after', ...expected('u3', 2)],
    );
  });

  test('ids are never given again, also after a prune of every row', async () => {
    const store = new PgSignInStore(await freshPool());
    await store.append([row('alice', '2026-01-01T00:00:00.000Z'), row('bob', '2026-01-01T00:00:00.000Z')]);
    const last = (await store.recent('bob', 1))[0]!.id;
    assert.equal(await store.pruneBefore(new Date('2027-01-01T00:00:00.000Z')), 2);
    await store.append([row('carol', '2027-01-02T00:00:00.000Z')]);
    assert.ok((await store.recent('carol', 1))[0]!.id > last);
    assert.equal(await store.get(last), undefined);
  });

  test('a failed batch leaves nothing and the next one chains on from the table', async () => {
    const pool = await freshPool();
    const store = new PgSignInStore(pool);
    await store.append([row('alice', '2026-01-01T00:00:00.000Z', { txn: 'first' })]);
    // A NUL byte is refused by PostgreSQL's text type: the whole batch rolls back.
    await assert.rejects(
      store.append([
        row('alice', '2026-01-01T00:00:01.000Z', { txn: 'lost' }),
        row('bob', '2026-01-01T00:00:01.000Z', { txn: 'bad\u0000' }),
      ]),
      (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.Unavailable,
    );
    await store.append([row('alice', '2026-01-01T00:00:02.000Z', { txn: 'second' })]);
    assert.deepEqual(
      (await store.recent('alice', 10)).map((s) => s.txn),
      ['second', 'first'],
    );
  });
});

describe('PostgreSQL stores at rest', () => {
  test('a push delivery is sealed in its row, bound to it: copied to another device it does not open (SECURITY A9.1)', async () => {
    const pool = await freshPool();
    const store = new PgPushDeviceStore(pool, sealer);
    const auth = 'Zm9vYmFyLXNlY3JldC1hdXRo';
    const publicKey = new Uint8Array(65).fill(7);
    publicKey[0] = 4;
    const delivery = {
      kind: 'webpush',
      subscription: { endpoint: 'https://p.example.net/a', keys: { p256dh: 'x', auth } },
    } as const;
    await store.add({ id: 'ASNP00000001', userName: 'alice', publicKey, delivery, label: '' });
    await store.add({
      id: 'ASNP00000002',
      userName: 'bob',
      publicKey,
      delivery: { kind: 'poll' },
      label: '',
    });
    const { rows } = await pool.query<{ delivery_sealed: string }>(
      "SELECT delivery_sealed FROM push_devices WHERE id = 'ASNP00000001'",
    );
    assert.equal(rows[0]!.delivery_sealed.includes(auth), false);
    await pool.query("UPDATE push_devices SET delivery_sealed = $1 WHERE id = 'ASNP00000002'", [
      rows[0]!.delivery_sealed,
    ]);
    await assert.rejects(
      store.get('ASNP00000002'),
      (e: unknown) =>
        e instanceof StoreError && e.code === StoreErrorCode.Unavailable && /ASNP00000002/.test(e.message),
    );
  });

  test('a server secret is sealed at rest; under another key file it does not open (SealError)', async () => {
    const pool = await freshPool();
    const secret = new Uint8Array(randomBytes(32));
    await new PgServerSecretStore(pool, sealer).getOrCreate('k', () => secret);
    const { rows } = await pool.query<{ value_sealed: string }>('SELECT value_sealed FROM server_secrets');
    assert.equal(rows[0]!.value_sealed.includes(Buffer.from(secret).toString('base64')), false);
    const other = createSealer(new Uint8Array(randomBytes(32)));
    await assert.rejects(
      new PgServerSecretStore(pool, other).getOrCreate('k', () => new Uint8Array([2])),
      SealError,
    );
  });

  test('a database that cannot be reached is STORE_UNAVAILABLE, with what was being done', async () => {
    const pool = new pg.Pool({
      connectionString: 'postgres://assent@127.0.0.1:1/none',
      connectionTimeoutMillis: 2000,
    });
    pool.on('error', () => {});
    try {
      await assert.rejects(
        new PgAccountLockoutStore(pool).recordFailure('alice', now),
        (e: unknown) =>
          e instanceof StoreError &&
          e.code === StoreErrorCode.Unavailable &&
          /^recording an account failure failed \(ECONNREFUSED\)/.test(e.message),
      );
      await assert.rejects(
        new PgSignInStore(pool).append([row('alice', '2026-01-01T00:00:00.000Z')]),
        (e: unknown) => e instanceof StoreError && /^recording sign-ins failed/.test(e.message),
      );
    } finally {
      await pool.end();
    }
  });
});
