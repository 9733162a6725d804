// Checks the PostgreSQL schema against SQLite's on a real PostgreSQL server: migrations, columns, constraints, feed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { ALL_PG_MIGRATIONS } from '../../../src/store/postgres/migrations/all-migrations.js';
import { PgLock } from '../../../src/store/postgres/pg-locks.js';
import { migratePostgres, postgresSchemaStatus } from '../../../src/store/postgres/pg-migrate.js';
import type { PostgresMigration } from '../../../src/store/postgres/pg-migration.js';
import { ALL_MIGRATIONS } from '../../../src/store/sqlite/migrations/all-migrations.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { connect, createDatabase, type Postgres, startPostgres } from '../../support/postgres.js';

let starting: Promise<Postgres> | undefined;
const clients: pg.Client[] = [];
const sqlites: Database.Database[] = [];
const dirs: string[] = [];
let databases = 0;

/**
 * The file's one server, started by the first test that needs it: when PostgreSQL is missing, every such test
 * fails with the reason (a failing `before` hook would only cancel them).
 */
function server(): Promise<Postgres> {
  starting ??= startPostgres();
  return starting;
}

after(async () => {
  for (const client of clients) await client.end().catch(() => {});
  for (const db of sqlites) if (db.open) db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const started = await starting?.catch(() => undefined);
  await started?.stop();
});

/** A new database on the file's server, and a client on it; each test builds its own state. */
async function freshClient(options: { icuLocale?: string } = {}): Promise<pg.Client> {
  const { url } = await server();
  databases += 1;
  return another(await createDatabase(url, `assent_test_${databases}`, options));
}

async function another(url: string): Promise<pg.Client> {
  const client = await connect(url);
  clients.push(client);
  return client;
}

function urlOf(client: pg.Client): string {
  return `postgres://postgres@127.0.0.1:${client.port}/${client.database}`;
}

async function migrated(options: { icuLocale?: string } = {}): Promise<pg.Client> {
  const client = await freshClient(options);
  await migratePostgres(client);
  return client;
}

function freshSqlite(): Database.Database {
  const db = openSqlite(':memory:');
  sqlites.push(db);
  return db;
}

/** The one thing written differently in the statements below: a blob literal. */
interface Dialect {
  blob(hex: string): string;
}
const SQLITE: Dialect = { blob: (hex) => `X'${hex}'` };
const POSTGRES: Dialect = { blob: (hex) => `'\\x${hex}'::bytea` };
type Sql = string | ((d: Dialect) => string);
const text = (sql: Sql, d: Dialect) => (typeof sql === 'string' ? sql : sql(d));
const bytes = (n: number, byte = '11') => byte.repeat(n);

async function onBoth(db: Database.Database, client: pg.Client, statements: readonly Sql[]): Promise<void> {
  for (const sql of statements) {
    db.exec(text(sql, SQLITE));
    await client.query(text(sql, POSTGRES));
  }
}

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
    assert.match(refusal.message, /has schema version 999, newer than this Assent knows \(12\)/);
    assert.equal((await postgresSchemaStatus(client)).newer, true);

    // The same words as SQLite's refusal, from "has schema version" on.
    const dir = mkdtempSync(join(tmpdir(), 'assent-pg-schema-'));
    dirs.push(dir);
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
        /has schema version 10 and this Assent needs 12; storage\.autoMigrate is off/,
      );
      return true;
    });
    assert.equal((await postgresSchemaStatus(client)).applied, 10);
    assert.deepEqual(await migratePostgres(client), { applied: [11, 12], version: 12 });

    const empty = await freshClient();
    assert.equal((await migratePostgres(empty, { applyMigrations: false })).version, 12);
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
      [12, 12, 12, 12],
    );
    const applied = results.map((r) => r.applied.length).sort((a, b) => a - b);
    assert.deepEqual(applied, [0, 0, 0, 12]);
    const { rows } = await first.query(
      'SELECT count(*)::int AS n, count(DISTINCT number)::int AS d FROM schema_migrations',
    );
    assert.deepEqual(rows[0], { n: 12, d: 12 });
  });
});

interface Column {
  name: string;
  notNull: boolean;
}

function sqliteTables(db: Database.Database): Map<string, { columns: Column[]; key: string[] }> {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  const tables = new Map<string, { columns: Column[]; key: string[] }>();
  for (const name of names) {
    const info = db.pragma(`table_info(${name})`) as { name: string; notnull: number; pk: number }[];
    tables.set(name, {
      // A primary key column is NOT NULL in PostgreSQL, and holds no NULL in any row Assent writes to SQLite.
      columns: info.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0 })),
      key: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
    });
  }
  return tables;
}

async function postgresTables(client: pg.Client): Promise<Map<string, { columns: Column[]; key: string[] }>> {
  const { rows } = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
    'SELECT table_name, column_name, is_nullable FROM information_schema.columns ' +
      'WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position',
  );
  const keys = await client.query<{ table_name: string; column_name: string }>(
    'SELECT k.table_name, k.column_name FROM information_schema.table_constraints c ' +
      'JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema ' +
      'AND k.constraint_name = c.constraint_name ' +
      "WHERE c.table_schema = current_schema() AND c.constraint_type = 'PRIMARY KEY' " +
      'ORDER BY k.table_name, k.ordinal_position',
  );
  const tables = new Map<string, { columns: Column[]; key: string[] }>();
  for (const row of rows) {
    const table = tables.get(row.table_name) ?? { columns: [], key: [] };
    table.columns.push({ name: row.column_name, notNull: row.is_nullable === 'NO' });
    tables.set(row.table_name, table);
  }
  for (const row of keys.rows) tables.get(row.table_name)?.key.push(row.column_name);
  return tables;
}

const sorted = <T>(map: Map<string, T>) =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('the PostgreSQL schema has the meaning of the SQLite one', { timeout: 120_000 }, () => {
  test('the same tables, with the same column names in the same order, NOT NULLs and primary keys', async () => {
    const client = await migrated();
    assert.deepEqual(sorted(await postgresTables(client)), sorted(sqliteTables(freshSqlite())));
  });

  test('the same UNIQUE constraints, foreign keys and indexes', async () => {
    const db = freshSqlite();
    const client = await migrated();
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    const sqliteUnique: string[] = [];
    const sqliteForeign: string[] = [];
    for (const table of tables) {
      for (const index of db.pragma(`index_list(${table})`) as { name: string; origin: string }[]) {
        if (index.origin !== 'u') continue;
        const columns = (db.pragma(`index_info(${index.name})`) as { name: string }[]).map((c) => c.name);
        sqliteUnique.push(`${table}(${columns.join(', ')})`);
      }
      for (const fk of db.pragma(`foreign_key_list(${table})`) as Record<string, string>[]) {
        sqliteForeign.push(`${table}.${fk.from} -> ${fk.table}.${fk.to} ON DELETE ${fk.on_delete}`);
      }
    }
    const sqliteIndexes = db
      .prepare("SELECT tbl_name || '.' || name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
      .pluck()
      .all() as string[];

    const unique = await client.query<{ u: string }>(
      "SELECT c.conrelid::regclass::text || '(' || string_agg(a.attname, ', ' ORDER BY k.n) || ')' AS u " +
        'FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) ' +
        'JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ' +
        "WHERE c.contype = 'u' AND c.connamespace = current_schema()::regnamespace GROUP BY c.oid, c.conrelid",
    );
    const foreign = await client.query<{ f: string }>(
      "SELECT c.conrelid::regclass::text || '.' || a.attname || ' -> ' || c.confrelid::regclass::text || '.' || " +
        "r.attname || ' ON DELETE ' || CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' " +
        "WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS f " +
        'FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] ' +
        'JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] ' +
        "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    );
    const indexes = await client.query<{ i: string }>(
      "SELECT t.relname || '.' || i.relname AS i FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid " +
        'JOIN pg_class t ON t.oid = x.indrelid WHERE t.relnamespace = current_schema()::regnamespace ' +
        'AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)',
    );
    assert.deepEqual(unique.rows.map((r) => r.u).sort(), sqliteUnique.sort());
    assert.deepEqual(
      foreign.rows.map((r) => r.f),
      sqliteForeign,
    );
    assert.deepEqual(
      foreign.rows.map((r) => r.f),
      ['backup_codes.token_id -> tokens.id ON DELETE CASCADE'],
    );
    assert.deepEqual(indexes.rows.map((r) => r.i).sort(), sqliteIndexes.sort());
  });

  test('the same triggers, with the same UPDATE OF column lists, plus the NOTIFY one on changes', async () => {
    const db = freshSqlite();
    const client = await migrated();
    const sqliteTriggers = db
      .prepare("SELECT tbl_name AS t, name, sql FROM sqlite_master WHERE type = 'trigger'")
      .all() as { t: string; name: string; sql: string }[];
    const { rows } = await client.query<{ t: string; name: string; events: string }>(
      "SELECT event_object_table AS t, trigger_name AS name, string_agg(event_manipulation, ',') AS events " +
        'FROM information_schema.triggers WHERE trigger_schema = current_schema() GROUP BY 1, 2',
    );
    const names = (list: readonly { t: string; name: string }[]) =>
      list.map((r) => `${r.t}.${r.name}`).sort();
    assert.deepEqual(names(rows), [...names(sqliteTriggers), 'changes.changes_notify'].sort());
    for (const row of rows) {
      const event = row.name.endsWith('_notify') ? 'insert' : row.name.slice(row.name.lastIndexOf('_') + 1);
      assert.equal(row.events, event.toUpperCase(), `${row.name} fires on ${event}`);
    }

    const sqliteColumns = sqliteTriggers
      .map((t) => ({ name: t.name, of: /UPDATE OF ([\w\s,]+?)\s+ON /.exec(t.sql)?.[1] }))
      .filter((t) => t.of !== undefined)
      .map(
        (t) =>
          `${t.name}: ${t
            .of!.split(',')
            .map((c) => c.trim())
            .sort()
            .join(', ')}`,
      )
      .sort();
    const columns = await client.query<{ c: string }>(
      "SELECT trigger_name || ': ' || string_agg(event_object_column, ', ' ORDER BY event_object_column) AS c " +
        'FROM information_schema.triggered_update_columns WHERE trigger_schema = current_schema() ' +
        'GROUP BY trigger_name ORDER BY trigger_name',
    );
    assert.deepEqual(
      columns.rows.map((r) => r.c),
      sqliteColumns,
    );
    assert.equal(sqliteColumns.length, 2, 'tokens and push_devices watch only some columns');
  });

  test('every text column compares byte by byte (collation "C", SQLite\'s BINARY), in an en-US database too', async () => {
    const client = await migrated({ icuLocale: 'en-US' });
    const loose = await client.query(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ' +
        "AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'",
    );
    assert.deepEqual(loose.rows, []);
    const db = freshSqlite();
    const names = ['b', 'B', 'a', 'Z', '_x', 'é', 'e', 'alice', 'Alice', 'ALICE'];
    const insert = (name: string) =>
      `INSERT INTO users (name, status, created_at, updated_at) VALUES ('${name}', 'active', 't', 't')`;
    await onBoth(db, client, names.map(insert));
    const sqliteOrder = db.prepare('SELECT name FROM users ORDER BY name').pluck().all();
    const { rows } = await client.query<{ name: string }>('SELECT name FROM users ORDER BY name');
    assert.deepEqual(
      rows.map((r) => r.name),
      sqliteOrder,
    );
    const collated = await client.query<{ lt: boolean }>("SELECT 'B' < 'a' AS lt");
    assert.equal(
      collated.rows[0]?.lt,
      false,
      'the database itself sorts by en-US rules (so the test means something)',
    );
  });
});

/** Valid rows in every table: both databases take them all. */
const SEED: readonly Sql[] = [
  `INSERT INTO users (name, status, groups, created_at, updated_at) VALUES ('alice', 'active', '["vpn"]', 't', 't')`,
  // Case-sensitive names (BINARY / "C"): another account, not a duplicate.
  `INSERT INTO users (name, status, created_at, updated_at) VALUES ('Alice', 'disabled', 't', 't')`,
  "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES ('T1', 'alice', 'totp', 's', 'SHA1', 6, 't')",
  (d) => `INSERT INTO backup_codes (token_id, code_hash) VALUES (1, ${d.blob(bytes(32))})`,
  "INSERT INTO clients (name, address, secret_sealed, created_at) VALUES ('vpn', '10.0.0.1', 's', 't')",
  (d) =>
    'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, created_at) ' +
    `VALUES ('ASNP00000001', 'alice', ${d.blob(bytes(65, '04'))}, 'd', 't')`,
  (d) =>
    `INSERT INTO push_activations (code_hash, user_name, expires_at) VALUES (${d.blob(bytes(32))}, 'alice', 't')`,
  "INSERT INTO server_secrets (name, value_sealed, created_at) VALUES ('vapid', 's', 't')",
  (d) =>
    'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
    `VALUES ('0123456789abcdef', 'Portal.app-1', '["a","b","c","d"]', ${d.blob(bytes(32))}, 't')`,
  "INSERT INTO grace_logins (user_name, used, updated_at) VALUES ('alice', 0, 't')",
  "INSERT INTO user_grace (user_name, until, logins, updated_at) VALUES ('alice', '', 0, 't'), ('bob', '2026-12-31', 3, 't')",
  "INSERT INTO sign_ins (id, user_name, at, client, user_ip, result, how, reason, txn) VALUES (1, 'alice', 't', 'vpn', '10.0.0.2', 'accept', 'totp', '', 'x')",
  "INSERT INTO sign_in_heads (user_name, last_id) VALUES ('alice', 1)",
  "INSERT INTO account_lockouts (user_name) VALUES ('alice')",
];

/** Rows both databases refuse, with the SQLSTATE PostgreSQL gives (SQLite: a SQLITE_CONSTRAINT_* code). */
const REFUSED: readonly { why: string; sql: Sql; state: string }[] = [
  {
    why: 'a token type other than totp, hotp, backup',
    sql: "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES ('T2', 'alice', 'sms', 's', 'SHA1', 6, 't')",
    state: '23514',
  },
  {
    why: 'a duplicate serial',
    sql: "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES ('T1', 'bob', 'totp', 's', 'SHA1', 6, 't')",
    state: '23505',
  },
  {
    why: 'an unknown algorithm',
    sql: "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES ('T3', 'alice', 'totp', 's', 'MD5', 6, 't')",
    state: '23514',
  },
  {
    why: 'five digits',
    sql: "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES ('T4', 'alice', 'totp', 's', 'SHA1', 5, 't')",
    state: '23514',
  },
  {
    why: 'a period of 10 s',
    sql: "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, period, created_at) VALUES ('T5', 'alice', 'totp', 's', 'SHA1', 6, 10, 't')",
    state: '23514',
  },
  { why: 'last_used below -1', sql: "UPDATE tokens SET last_used = -2 WHERE serial = 'T1'", state: '23514' },
  {
    why: 'negative token failures',
    sql: "UPDATE tokens SET failures = -1 WHERE serial = 'T1'",
    state: '23514',
  },
  {
    why: 'a user status other than active, disabled',
    sql: "INSERT INTO users (name, status, created_at, updated_at) VALUES ('bob', 'gone', 't', 't')",
    state: '23514',
  },
  {
    why: 'a duplicate user name',
    sql: "INSERT INTO users (name, status, created_at, updated_at) VALUES ('alice', 'active', 't', 't')",
    state: '23505',
  },
  {
    why: 'groups that are JSON but not an array',
    sql: `INSERT INTO users (name, status, groups, created_at, updated_at) VALUES ('bob', 'active', '{"a":1}', 't', 't')`,
    state: '23514',
  },
  {
    // PostgreSQL: the ::json cast fails before the CHECK is decided (pg-migration.ts).
    why: 'groups that are not JSON',
    sql: "INSERT INTO users (name, status, groups, created_at, updated_at) VALUES ('bob', 'active', '[vpn', 't', 't')",
    state: '22P02',
  },
  {
    why: 'a user without a name',
    sql: "INSERT INTO users (name, status, created_at, updated_at) VALUES (NULL, 'active', 't', 't')",
    state: '23502',
  },
  {
    why: 'a backup code hash of 31 octets',
    sql: (d) => `INSERT INTO backup_codes (token_id, code_hash) VALUES (1, ${d.blob(bytes(31, '22'))})`,
    state: '23514',
  },
  {
    why: 'a backup code of a token that does not exist',
    sql: (d) => `INSERT INTO backup_codes (token_id, code_hash) VALUES (99, ${d.blob(bytes(32, '22'))})`,
    state: '23503',
  },
  {
    why: 'a duplicate backup code of one token',
    sql: (d) => `INSERT INTO backup_codes (token_id, code_hash) VALUES (1, ${d.blob(bytes(32))})`,
    state: '23505',
  },
  {
    why: 'a client with a NAS timeout of 0',
    sql: "INSERT INTO clients (name, address, secret_sealed, nas_timeout, created_at) VALUES ('c2', '10.0.0.2', 's', 0, 't')",
    state: '23514',
  },
  {
    why: 'a client flag of 2',
    sql: "INSERT INTO clients (name, address, secret_sealed, require_message_authenticator, created_at) VALUES ('c3', '10.0.0.3', 's', 2, 't')",
    state: '23514',
  },
  {
    why: 'a second client at the same address',
    sql: "INSERT INTO clients (name, address, secret_sealed, created_at) VALUES ('c4', '10.0.0.1', 's', 't')",
    state: '23505',
  },
  {
    why: 'a push device id of the wrong form',
    sql: (d) =>
      'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, created_at) ' +
      `VALUES ('ASNP1234', 'alice', ${d.blob(bytes(65, '04'))}, 'd', 't')`,
    state: '23514',
  },
  {
    why: 'a push device id with a letter among the digits',
    sql: (d) =>
      'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, created_at) ' +
      `VALUES ('ASNP0000000x', 'alice', ${d.blob(bytes(65, '04'))}, 'd', 't')`,
    state: '23514',
  },
  {
    why: 'a public key of 64 octets',
    sql: (d) =>
      'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, created_at) ' +
      `VALUES ('ASNP00000002', 'alice', ${d.blob(bytes(64, '04'))}, 'd', 't')`,
    state: '23514',
  },
  {
    why: 'an activation code hash of 33 octets',
    sql: (d) =>
      `INSERT INTO push_activations (code_hash, user_name, expires_at) VALUES (${d.blob(bytes(33))}, 'alice', 't')`,
    state: '23514',
  },
  {
    why: 'an empty server secret name',
    sql: "INSERT INTO server_secrets (name, value_sealed, created_at) VALUES ('', 's', 't')",
    state: '23514',
  },
  {
    why: 'an API key id in upper case',
    sql: (d) =>
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
      `VALUES ('0123456789ABCDEF', 'k1', '["a"]', ${d.blob(bytes(32))}, 't')`,
    state: '23514',
  },
  {
    why: 'an API key id of 15 characters',
    sql: (d) =>
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
      `VALUES ('0123456789abcde', 'k1', '["a"]', ${d.blob(bytes(32))}, 't')`,
    state: '23514',
  },
  {
    why: 'an API key name with a space',
    sql: (d) =>
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
      `VALUES ('1123456789abcdef', 'k 1', '["a"]', ${d.blob(bytes(32))}, 't')`,
    state: '23514',
  },
  {
    why: 'an API key with no scope',
    sql: (d) =>
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
      `VALUES ('2123456789abcdef', 'k2', '[]', ${d.blob(bytes(32))}, 't')`,
    state: '23514',
  },
  {
    why: 'an API key with five scopes',
    sql: (d) =>
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
      `VALUES ('3123456789abcdef', 'k3', '["a","b","c","d","e"]', ${d.blob(bytes(32))}, 't')`,
    state: '23514',
  },
  {
    why: 'API key scopes that are a string, not an array',
    sql: (d) =>
      'INSERT INTO api_keys (id, name, scopes, key_hash, created_at) ' +
      `VALUES ('4123456789abcdef', 'k4', '"a"', ${d.blob(bytes(32))}, 't')`,
    state: '23514',
  },
  {
    why: 'an empty grace-login user name',
    sql: "INSERT INTO grace_logins (user_name, used, updated_at) VALUES ('', 0, 't')",
    state: '23514',
  },
  {
    why: 'a grace date not written YYYY-MM-DD',
    sql: "INSERT INTO user_grace (user_name, until, logins, updated_at) VALUES ('carol', '2026-1-01', 1, 't')",
    state: '23514',
  },
  {
    why: 'more than 10,000 grace logins',
    sql: "INSERT INTO user_grace (user_name, until, logins, updated_at) VALUES ('carol', '', 10001, 't')",
    state: '23514',
  },
  {
    why: 'a second sign_in_state row',
    sql: 'INSERT INTO sign_in_state (one, heads_upto) VALUES (2, 0)',
    state: '23514',
  },
  {
    why: 'a second changes_pruned row',
    sql: 'INSERT INTO changes_pruned (one, through) VALUES (2, 0)',
    state: '23514',
  },
  {
    why: 'an unknown change kind',
    sql: "INSERT INTO changes (kind, key) VALUES ('group', 'x')",
    state: '23514',
  },
  {
    why: 'negative lockout counts',
    sql: "UPDATE account_lockouts SET locks = -1 WHERE user_name = 'alice'",
    state: '23514',
  },
];

describe('constraints refuse the same rows on both databases', { timeout: 120_000 }, () => {
  test('valid rows for every table are taken by both', async () => {
    const db = freshSqlite();
    const client = await migrated();
    await onBoth(db, client, SEED);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const table of tables) {
      const count = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
      assert.equal(rows[0].n, count, table);
    }
  });

  test('bad rows are refused by both (CHECK, UNIQUE, NOT NULL, FOREIGN KEY)', async () => {
    const db = freshSqlite();
    const client = await migrated();
    await onBoth(db, client, SEED);
    for (const { why, sql, state } of REFUSED) {
      assert.throws(() => db.exec(text(sql, SQLITE)), /constraint/i, `SQLite refuses ${why}`);
      await assert.rejects(
        client.query(text(sql, POSTGRES)),
        (error: { code?: string }) => error.code === state,
        `PostgreSQL refuses ${why} with SQLSTATE ${state}`,
      );
    }
  });

  test('deleting a token deletes its backup codes on both', async () => {
    const db = freshSqlite();
    const client = await migrated();
    await onBoth(db, client, [...SEED, "DELETE FROM tokens WHERE serial = 'T1'"]);
    assert.equal(db.prepare('SELECT count(*) FROM backup_codes').pluck().get(), 0);
    const { rows } = await client.query('SELECT count(*)::int AS n FROM backup_codes');
    assert.equal(rows[0].n, 0);
  });
});

/** Statements and the change rows SQLite's triggers write for them. */
const FEED: readonly { sql: Sql; rows: readonly string[] }[] = [
  {
    sql: "INSERT INTO users (name, status, created_at, updated_at) VALUES ('alice', 'active', 't', 't')",
    rows: ['user alice'],
  },
  { sql: "UPDATE users SET status = 'disabled' WHERE name = 'alice'", rows: ['user alice'] },
  { sql: "UPDATE users SET name = 'alicia' WHERE name = 'alice'", rows: ['user alicia', 'user alice'] },
  {
    sql: "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES ('T1', 'alicia', 'totp', 's', 'SHA1', 6, 't')",
    rows: ['token alicia'],
  },
  { sql: "UPDATE tokens SET label = 'phone' WHERE serial = 'T1'", rows: ['token alicia'] },
  { sql: "UPDATE tokens SET last_used = 5, drift = 1 WHERE serial = 'T1'", rows: [] },
  { sql: "UPDATE tokens SET last_failure_at = 'x' WHERE serial = 'T1'", rows: [] },
  { sql: "UPDATE tokens SET failures = 1 WHERE serial = 'T1'", rows: ['token alicia'] },
  { sql: "UPDATE tokens SET user_name = 'bob' WHERE serial = 'T1'", rows: ['token bob', 'token alicia'] },
  { sql: "DELETE FROM tokens WHERE serial = 'T1'", rows: ['token bob'] },
  { sql: "INSERT INTO account_lockouts (user_name, failures) VALUES ('carol', 1)", rows: ['lockout carol'] },
  { sql: "UPDATE account_lockouts SET failures = 2 WHERE user_name = 'carol'", rows: ['lockout carol'] },
  { sql: "DELETE FROM account_lockouts WHERE user_name = 'carol'", rows: ['lockout carol'] },
  {
    sql: "INSERT INTO clients (name, address, secret_sealed, created_at) VALUES ('vpn', '10.0.0.1', 's', 't')",
    rows: ['client vpn'],
  },
  { sql: "UPDATE clients SET name = 'vpn2' WHERE name = 'vpn'", rows: ['client vpn2', 'client vpn'] },
  { sql: "DELETE FROM clients WHERE name = 'vpn2'", rows: ['client vpn2'] },
  {
    sql: (d) =>
      'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, created_at) ' +
      `VALUES ('ASNP00000001', 'dave', ${d.blob(bytes(65, '04'))}, 'd', 't')`,
    rows: ['device dave'],
  },
  { sql: "UPDATE push_devices SET last_seen_at = 'x' WHERE id = 'ASNP00000001'", rows: [] },
  { sql: "UPDATE push_devices SET label = 'tablet' WHERE id = 'ASNP00000001'", rows: ['device dave'] },
  { sql: "DELETE FROM push_devices WHERE id = 'ASNP00000001'", rows: ['device dave'] },
  { sql: "DELETE FROM users WHERE name = 'alicia'", rows: ['user alicia'] },
  { sql: "INSERT INTO server_secrets (name, value_sealed, created_at) VALUES ('vapid', 's', 't')", rows: [] },
];

async function waitFor<T>(what: string, read: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the change feed', { timeout: 120_000 }, () => {
  test('the triggers write the rows SQLite writes, in the same order, for the same statements', async () => {
    const db = freshSqlite();
    const client = await migrated();
    const started = Date.now();
    await onBoth(
      db,
      client,
      FEED.map((f) => f.sql),
    );
    const expected = FEED.flatMap((f) => f.rows).map((row, i) => `${i + 1} ${row}`);
    const sqliteRows = (
      db.prepare('SELECT seq, kind, key, at FROM changes ORDER BY seq').all() as {
        seq: number;
        kind: string;
        key: string;
        at: number;
      }[]
    ).map((r) => `${r.seq} ${r.kind} ${r.key}`);
    const { rows } = await client.query<{ seq: string; kind: string; key: string; at: string }>(
      'SELECT seq, kind, key, at FROM changes ORDER BY seq',
    );
    assert.deepEqual(sqliteRows, expected);
    assert.deepEqual(
      rows.map((r) => `${r.seq} ${r.kind} ${r.key}`),
      expected,
    );
    for (const row of rows) {
      const at = Number(row.at);
      assert.ok(at >= started - 1000 && at <= Date.now() + 1000, `at is the time in ms (${row.at})`);
    }
  });

  test('a LISTENing connection is told the seq of each committed row, never of a rolled-back one', async () => {
    const writer = await migrated();
    const listener = await another(urlOf(writer));
    const heard: string[] = [];
    listener.on('notification', (message) => {
      if (message.channel === 'assent_changes') heard.push(message.payload ?? '');
    });
    await listener.query('LISTEN assent_changes');

    await writer.query('BEGIN');
    await writer.query(
      "INSERT INTO users (name, status, created_at, updated_at) VALUES ('ghost', 'active', 't', 't')",
    );
    await writer.query('ROLLBACK');
    await writer.query(
      "INSERT INTO users (name, status, created_at, updated_at) VALUES ('alice', 'active', 't', 't')",
    );
    await writer.query("UPDATE users SET name = 'alicia' WHERE name = 'alice'");

    const { rows } = await writer.query<{ seq: string }>('SELECT seq FROM changes ORDER BY seq');
    const seqs = rows.map((r) => r.seq);
    assert.equal(seqs.length, 3);
    assert.notEqual(seqs[0], '1', 'the rolled-back row used up seq 1: a gap, as pg-migration.ts says');
    await waitFor('three notifications', () => (heard.length >= 3 ? heard : undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(heard, seqs);
  });

  test('a second writer gets its seq only after the first commits, so seq order is commit order', async () => {
    const first = await migrated();
    const url = urlOf(first);
    const second = await another(url);
    const observer = await another(url);
    const insert = (name: string) =>
      `INSERT INTO users (name, status, created_at, updated_at) VALUES ('${name}', 'active', 't', 't')`;

    await first.query('BEGIN');
    await first.query(insert('early'));
    await second.query('BEGIN');
    const blocked = second.query(insert('late'));
    const waiting = async () => {
      const { rows } = await observer.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted " +
          'AND classid::bigint = $1 AND objid::bigint = $2',
        [PgLock.namespace, PgLock.changeFeed],
      );
      return rows[0]?.n === 1;
    };
    const deadline = Date.now() + 5000;
    while (!(await waiting())) {
      if (Date.now() > deadline) throw new Error('the second writer never waited for the change-feed lock');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await first.query('COMMIT');
    await blocked;
    await second.query('COMMIT');
    const { rows } = await observer.query<{ key: string }>('SELECT key FROM changes ORDER BY seq');
    assert.deepEqual(
      rows.map((r) => r.key),
      ['early', 'late'],
    );
  });
});
