// Owns the PostgreSQL store tests' shared set-up: one server per test file, a new migrated database per store, a
// second node on it, and the token and error checks the token store tests share.
import { after } from 'node:test';
import pg from 'pg';
import { StoreError, type StoreErrorCode } from '../../../src/domain/ports.js';
import type { NewToken } from '../../../src/domain/token.js';
import { migratePostgres } from '../../../src/store/postgres/pg-migrate.js';
import { connect, createDatabase, type Postgres, startPostgres } from '../../support/postgres.js';

let starting: Promise<Postgres> | undefined;
const pools: pg.Pool[] = [];
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
  for (const pool of pools) await pool.end().catch(() => {});
  const started = await starting?.catch(() => undefined);
  await started?.stop();
});

/** A new database with every migration applied, and a pool on it (ended by the file's `after`). */
export async function freshPool(): Promise<pg.Pool> {
  return (await freshDatabase()).pool;
}

/** As `freshPool`, with the database's URL for connections of a test's own (ended by the test). */
export async function freshDatabase(): Promise<{ url: string; pool: pg.Pool }> {
  const { url } = await server();
  databases += 1;
  const dbUrl = await createDatabase(url, `assent_store_${process.pid}_${databases}`);
  const client = await connect(dbUrl);
  try {
    await migratePostgres(client);
  } finally {
    await client.end();
  }
  const pool = new pg.Pool({ connectionString: dbUrl, max: 4, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  pools.push(pool);
  return { url: dbUrl, pool };
}

/** A second pool on the same database as `pool` (another node, as far as it knows), ended by the file's `after`. */
export function otherPool(pool: pg.Pool, max = 2): pg.Pool {
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max });
  other.on('error', () => {});
  pools.push(other);
  return other;
}

/** Runs `use` with a second pool on the same database as `pool`: another server process, as far as it knows. */
export async function withOtherNode<T>(pool: pg.Pool, use: (other: pg.Pool) => Promise<T>): Promise<T> {
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 });
  other.on('error', () => {});
  try {
    return await use(other);
  } finally {
    await other.end();
  }
}

/** The default secret of `totp`'s tokens: a marker the at-rest test looks for in the tables. */
export const seed = Buffer.from('Token-Seed-Marker-7f3a9c');
export const totp = (serial: string, userName = 'alice', secret: Uint8Array = seed): NewToken => ({
  serial,
  userName,
  type: 'totp',
  secret,
  algorithm: 'SHA1',
  digits: 6,
});

/** Whether an error is a StoreError of `code`: for `assert.rejects`. */
export const isCode = (code: StoreErrorCode) => (error: unknown) =>
  error instanceof StoreError && error.code === code;

/** Counts the statements a pool is given, by kind (the first word and the prepared statement's name). */
export function countingPool(pool: pg.Pool): { pool: pg.Pool; statements: string[] } {
  const statements: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
    const named = config as { name?: string; text?: string };
    statements.push(
      typeof config === 'string' ? config.split(' ')[0]! : (named.name ?? named.text!.split(' ')[0]!),
    );
    return query(config, ...rest);
  };
  return { pool, statements };
}
