// Checks that the PostgreSQL schema means what SQLite's does, on a real server: the same tables, keys, constraints,
// indexes, triggers and byte-wise collation; the same rows refused; the same change rows, told by NOTIFY once
// committed, in commit order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PgLock } from '../../../src/store/postgres/pg-locks.js';
import { postgresTables, sorted, sqliteTables } from './pg-schema-catalog.js';
import { another, freshSqlite, migrated, urlOf } from './pg-schema-fixture.js';
import { FEED, onBoth, POSTGRES, REFUSED, SEED, SQLITE, text } from './pg-schema-rows.js';

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
