// Checks the PostgreSQL change feed on a real server: LISTEN wakes it, rows arrive once in order, pruning and a lost
// connection are survived.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type pg from 'pg';
import type { Change } from '../../../src/domain/change-feed.js';
import { PgChangeFeed } from '../../../src/store/postgres/pg-change-feed.js';
import { connect } from '../../support/postgres.js';
import { freshDatabase } from './pg-fixture.js';

const feeds: PgChangeFeed[] = [];
after(() => {
  for (const feed of feeds) feed.close();
});

interface Watched {
  readonly feed: PgChangeFeed;
  readonly changes: Change[];
  readonly errors: unknown[];
  lost: number;
  /** Resolves once `count` changes in all have arrived, rejects after 5 s. */
  until(count: number): Promise<void>;
}

/** A started feed whose only poll is far away, so what arrives within the test came by NOTIFY or `drain()`. */
async function watch(url: string, pool: pg.Pool, pollMs = 60_000): Promise<Watched> {
  const errors: unknown[] = [];
  const feed = new PgChangeFeed({
    connect: () => connect(`${url}?application_name=assent-test-feed`),
    pool,
    pollMs,
    retryMs: 50,
    onError: (error) => errors.push(error),
  });
  feeds.push(feed);
  const watched: Watched = {
    feed,
    changes: [],
    errors,
    lost: 0,
    until: async (count) => {
      const deadline = Date.now() + 5000;
      while (watched.changes.length < count) {
        if (Date.now() > deadline)
          throw new Error(`only ${watched.changes.length} of ${count} changes arrived`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
  await feed.start({
    changed: (changes) => watched.changes.push(...changes),
    lost: () => {
      watched.lost += 1;
    },
  });
  return watched;
}

const NOW = '2025-01-02T03:04:05.000Z';

async function addUser(pool: pg.Pool | pg.ClientBase, name: string): Promise<void> {
  await pool.query(
    "INSERT INTO users (name, status, password_hash, created_at, updated_at) VALUES ($1, 'active', NULL, $2, $2)",
    [name, NOW],
  );
}

describe('PgChangeFeed', () => {
  test('a write by another connection arrives by NOTIFY, without a poll or a drain', async () => {
    const { url, pool } = await freshDatabase();
    await addUser(pool, 'before-start');
    const watched = await watch(url, pool);
    await addUser(pool, 'alice');
    await pool.query("UPDATE users SET status = 'disabled' WHERE name = 'alice'");
    await watched.until(1);
    // Both writes may come in one read (one change per kind and key) or two; never the row before start.
    assert.ok(watched.changes.every((c) => c.kind === 'user' && c.key === 'alice'));
    assert.deepEqual(watched.errors, []);
  });

  test('changes from several writers arrive once each, in seq order', async () => {
    const { url, pool } = await freshDatabase();
    const watched = await watch(url, pool);
    const names = Array.from({ length: 40 }, (_, i) => `user${i}`);
    await Promise.all(names.map((name) => addUser(pool, name)));
    await watched.until(names.length);
    await watched.feed.drain();
    assert.equal(watched.changes.length, names.length);
    assert.deepEqual(new Set(watched.changes.map((c) => c.key)), new Set(names));
    const seqs = watched.changes.map((c) => c.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
  });

  test('an import larger than one slice arrives whole', async () => {
    const { url, pool } = await freshDatabase();
    const watched = await watch(url, pool);
    await pool.query(
      "INSERT INTO users (name, status, created_at, updated_at) SELECT 'bulk' || g, 'active', $1, $1 FROM generate_series(1, 4500) g",
      [NOW],
    );
    await watched.feed.drain();
    await watched.until(4500);
    assert.equal(new Set(watched.changes.map((c) => c.key)).size, 4500);
  });

  test('a reader behind the pruned rows is told to reload everything, then follows again', async () => {
    const { url, pool } = await freshDatabase();
    const watched = await watch(url, pool);
    // The row and its pruning commit together: the feed can only read after the row is gone.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await addUser(client, 'missed');
      await client.query('UPDATE changes_pruned SET through = (SELECT max(seq) FROM changes)');
      await client.query('DELETE FROM changes');
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await watched.feed.drain();
    assert.equal(watched.lost, 1);
    assert.equal(watched.changes.length, 0);
    await addUser(pool, 'after');
    await watched.until(1);
    assert.equal(watched.changes[0]?.key, 'after');
    assert.equal(watched.lost, 1);
  });

  test('prune deletes old rows only; a feed started after the log was emptied is not lost', async () => {
    const { url, pool } = await freshDatabase();
    await addUser(pool, 'old');
    const watched = await watch(url, pool);
    assert.equal(await watched.feed.prune(60_000), 0, 'a row younger than the limit stays');
    assert.equal(await watched.feed.prune(-1000), 1);
    watched.feed.close();
    const later = await watch(url, pool);
    await later.feed.drain();
    assert.equal(later.lost, 0);
    await addUser(pool, 'new');
    await later.until(1);
    assert.equal(later.changes[0]?.key, 'new');
  });

  test('a killed connection is reported, re-established, and what was written meanwhile arrives', async () => {
    const { url, pool } = await freshDatabase();
    const watched = await watch(url, pool);
    await pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'assent-test-feed'",
    );
    await addUser(pool, 'while-down');
    const deadline = Date.now() + 5000;
    while (watched.errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(watched.errors.length >= 1, 'the lost connection was reported');
    await watched.until(1);
    assert.equal(watched.changes[0]?.key, 'while-down');
    await addUser(pool, 'after-reconnect');
    await watched.until(2);
    assert.equal(watched.changes[1]?.key, 'after-reconnect');
  });
});
