// Owns the PostgreSQL schema tests' shared set-up: one server per test file, a new database per client, and
// in-memory SQLite databases to compare with.
import { after } from 'node:test';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { migratePostgres } from '../../../src/store/postgres/pg-migrate.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { connect, createDatabase, type Postgres, startPostgres } from '../../support/postgres.js';

let starting: Promise<Postgres> | undefined;
const clients: pg.Client[] = [];
const sqlites: Database.Database[] = [];
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
  const started = await starting?.catch(() => undefined);
  await started?.stop();
});

/** A new database on the file's server, and a client on it; each test builds its own state. */
export async function freshClient(options: { icuLocale?: string } = {}): Promise<pg.Client> {
  const { url } = await server();
  databases += 1;
  return another(await createDatabase(url, `assent_test_${databases}`, options));
}

/** Another client on the database at `url` (ended by the file's `after`). */
export async function another(url: string): Promise<pg.Client> {
  const client = await connect(url);
  clients.push(client);
  return client;
}

export function urlOf(client: pg.Client): string {
  return `postgres://postgres@127.0.0.1:${client.port}/${client.database}`;
}

/** As `freshClient`, with every migration applied. */
export async function migrated(options: { icuLocale?: string } = {}): Promise<pg.Client> {
  const client = await freshClient(options);
  await migratePostgres(client);
  return client;
}

/** An in-memory SQLite database with every migration applied (closed by the file's `after`). */
export function freshSqlite(): Database.Database {
  const db = openSqlite(':memory:');
  sqlites.push(db);
  return db;
}
