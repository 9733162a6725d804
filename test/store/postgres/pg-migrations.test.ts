// Checks applying the PostgreSQL migrations on a real server: the numbers and names of SQLite's, each recorded once,
// the status read without writing, newer and (autoMigrate off) older schemas refused with SQLite's words, a failing
// run rolled back whole, and nodes migrating one database at once taking turns.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { ALL_PG_MIGRATIONS } from '../../../src/store/postgres/migrations/all-migrations.js';
import { migratePostgres, postgresSchemaStatus } from '../../../src/store/postgres/pg-migrate.js';
import type { PostgresMigration } from '../../../src/store/postgres/pg-migration.js';
import { HOLDERS_OF_KEYS } from '../../../src/store/postgres/pg-token-statements.js';
import { ALL_MIGRATIONS } from '../../../src/store/sqlite/migrations/all-migrations.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { scratchDir } from '../../support/scratch-dir.js';
import { another, freshClient, migrated, urlOf } from './pg-schema-fixture.js';

/** The schema version of this code: the tests below follow it, so a new migration changes no test here. */
const LATEST = ALL_PG_MIGRATIONS.at(-1)!.number;

const fixedNow = () => new Date('2025-01-02T03:04:05.000Z');

describe('PostgreSQL migrations', { timeout: 120_000 }, () => {
  test('have exactly the numbers and names of the SQLite migrations', () => {
    const names = (list: readonly { number: number; name: string }[]) =>
      list.map((m) => `${m.number} ${m.name}`);
    assert.deepEqual(names(ALL_PG_MIGRATIONS), names(ALL_MIGRATIONS));
  });

  test('an empty database gets migrations 1…10, each recorded with number, name and time; a second run applies none', async () => {
    const client = await freshClient();
    assert.deepEqual(await migratePostgres(client, { now: fixedNow }), {
      applied: ALL_MIGRATIONS.map((m) => m.number),
      version: ALL_MIGRATIONS.length,
    });
    const { rows } = await client.query(
      'SELECT number, name, applied_at FROM schema_migrations ORDER BY number',
    );
    assert.deepEqual(
      rows,
      ALL_MIGRATIONS.map((m) => ({ number: m.number, name: m.name, applied_at: '2025-01-02T03:04:05.000Z' })),
    );
    assert.deepEqual(await migratePostgres(client), { applied: [], version: ALL_MIGRATIONS.length });
    const count = await client.query('SELECT count(*)::int AS n FROM schema_migrations');
    assert.equal(count.rows[0].n, ALL_MIGRATIONS.length);
  });

  test('the schema status reads the version without changing anything', async () => {
    const client = await freshClient();
    const empty = await postgresSchemaStatus(client);
    assert.deepEqual(
      { ...empty, pending: empty.pending.length },
      { applied: 0, known: ALL_PG_MIGRATIONS.length, pending: ALL_PG_MIGRATIONS.length, newer: false },
    );
    const table = await client.query("SELECT to_regclass('schema_migrations') AS t");
    assert.equal(table.rows[0].t, null, 'reading the status created no table');
    await migratePostgres(client);
    const current = await postgresSchemaStatus(client);
    assert.deepEqual(
      { ...current, pending: current.pending.length },
      { applied: ALL_PG_MIGRATIONS.length, known: ALL_PG_MIGRATIONS.length, pending: 0, newer: false },
    );
  });

  test('a schema newer than the code is refused with the SQLite wording (STORE_UNAVAILABLE)', async () => {
    const client = await migrated();
    await client.query(
      "INSERT INTO schema_migrations (number, name, applied_at) VALUES (999, 'future', 'x')",
    );
    const refusal = await migratePostgres(client).then(
      () => assert.fail('a newer schema was accepted'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof StoreError);
    assert.equal(refusal.code, StoreErrorCode.Unavailable);
    assert.match(
      refusal.message,
      new RegExp(`has schema version 999, newer than this Assent knows \\(${LATEST}\\)`),
    );
    assert.equal((await postgresSchemaStatus(client)).newer, true);

    // The same words as SQLite's refusal, from "has schema version" on.
    const dir = scratchDir('assent-pg-schema-');
    const file = join(dir, 'a.db');
    const db = openSqlite(file);
    db.exec("INSERT INTO schema_migrations (number, name, applied_at) VALUES (999, 'future', 'x')");
    db.close();
    const sqliteRefusal = (() => {
      try {
        openSqlite(file).close();
      } catch (error) {
        return error;
      }
      return assert.fail('SQLite accepted a newer schema');
    })();
    assert.ok(sqliteRefusal instanceof StoreError);
    const tail = (message: string) => message.slice(message.indexOf(' has schema version'));
    assert.equal(tail(refusal.message), tail(sqliteRefusal.message));
    assert.match(refusal.message, /^database "assent_test_\d+" \(PostgreSQL\) has/);
  });

  test('with applyMigrations false an older schema is refused and left as it was; an empty one is created', async () => {
    const client = await freshClient();
    assert.equal((await migratePostgres(client, { migrations: ALL_PG_MIGRATIONS.slice(0, 10) })).version, 10);
    await assert.rejects(migratePostgres(client, { applyMigrations: false }), (error: unknown) => {
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, StoreErrorCode.Unavailable);
      assert.match(
        error.message,
        new RegExp(`has schema version 10 and this Assent needs ${LATEST}; storage\\.autoMigrate is off`),
      );
      return true;
    });
    assert.equal((await postgresSchemaStatus(client)).applied, 10);
    assert.deepEqual(await migratePostgres(client), {
      applied: ALL_PG_MIGRATIONS.slice(10).map((m) => m.number),
      version: LATEST,
    });

    const empty = await freshClient();
    assert.equal((await migratePostgres(empty, { applyMigrations: false })).version, LATEST);
  });

  test('migration 13: only challenge_sessions skips the write-ahead log; every other table is logged', async () => {
    const client = await freshClient();
    await migratePostgres(client);
    const { rows } = await client.query<{ relname: string; relpersistence: string }>(
      "SELECT relname, relpersistence FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
    );
    assert.ok(rows.length > 10, 'found the tables');
    const unlogged = rows.filter((r) => r.relpersistence === 'u').map((r) => r.relname);
    assert.deepEqual(unlogged, ['challenge_sessions']);
    assert.ok(
      rows.every((r) => r.relpersistence === 'p' || r.relname === 'challenge_sessions'),
      'tokens (the replay guard), lockouts, devices and push transactions survive a crash',
    );
  });

  test('migration 15: the holder read of a token add finds its rows through its two indexes, not a scan', async () => {
    const client = await freshClient();
    await migratePostgres(client);
    // With sequential scans priced out, a plan still scans only when the query's predicates match no index.
    await client.query('SET enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${HOLDERS_OF_KEYS}`, [['nora']]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /tokens_user_name_lower/);
    assert.match(plan, /tokens_user_name_not_plain/);
    assert.doesNotMatch(plan, /Seq Scan/);
  });

  test('a failing migration rolls back every migration of its run (one transaction)', async () => {
    const client = await freshClient();
    const broken: PostgresMigration = {
      number: 2,
      name: 'broken',
      async up(c) {
        await c.query('CREATE TABLE users (id INTEGER)'); // already made by migration 1
      },
    };
    await assert.rejects(
      migratePostgres(client, { migrations: [ALL_PG_MIGRATIONS[0]!, broken] }),
      (error: unknown) => {
        assert.ok(error instanceof StoreError);
        assert.equal(error.code, StoreErrorCode.Unavailable);
        assert.match(error.message, /applying migration 2 \(broken\) .* failed \(42P07\)/);
        return true;
      },
    );
    assert.equal((await postgresSchemaStatus(client)).applied, 0);
    const users = await client.query("SELECT to_regclass('users') AS t");
    assert.equal(users.rows[0].t, null);
    const state = await client.query('SELECT 1 AS ok');
    assert.equal(state.rows[0].ok, 1, 'the client is usable (outside a transaction) afterwards');
  });

  test('nodes migrating one empty database at once take turns: each migration is applied once', async () => {
    const first = await freshClient();
    // The later sessions default to REPEATABLE READ: a snapshot taken before the lock wait must not hide the work.
    await first.query(
      `ALTER DATABASE ${first.database} SET default_transaction_isolation = 'repeatable read'`,
    );
    const url = urlOf(first);
    const nodes = [first, await another(url), await another(url), await another(url)];
    const results = await Promise.all(nodes.map((client) => migratePostgres(client)));
    assert.deepEqual(
      results.map((r) => r.version),
      [LATEST, LATEST, LATEST, LATEST],
    );
    const applied = results.map((r) => r.applied.length).sort((a, b) => a - b);
    assert.deepEqual(applied, [0, 0, 0, LATEST]);
    const { rows } = await first.query(
      'SELECT count(*)::int AS n, count(DISTINCT number)::int AS d FROM schema_migrations',
    );
    assert.deepEqual(rows[0], { n: LATEST, d: LATEST });
  });
});
