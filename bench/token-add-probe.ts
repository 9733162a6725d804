// Probe: what a PostgreSQL token add costs with many tokens held (default 300,000): a 10,000-token addMany batch
// (new users) and one add, through PgTokenStore, each the median of several, then the holder read alone in the
// database. `mixed` gives every holder a name with capitals (AD-style `User.Name0000001`); `unindexed` drops the two
// indexes of migration 15 the holder read uses (what an add cost before it). Usage: npx tsx
// bench/token-add-probe.ts [count] [mixed] [unindexed]
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { NewToken } from '../src/domain/token.js';
import { migratePostgres } from '../src/store/postgres/pg-migrate.js';
import { HOLDERS_OF_KEYS } from '../src/store/postgres/pg-token-statements.js';
import { PgTokenStore } from '../src/store/postgres/pg-token-store.js';
import { createSealer } from '../src/store/sealer.js';
import { createDatabase, startPostgres } from '../test/support/postgres.js';

const held = Number(process.argv[2] ?? 300_000);
const mixed = process.argv.includes('mixed');
// Without the indexes HOLDERS_OF_KEYS's two conditions use (migration 15).
const indexed = !process.argv.includes('unindexed');
const prefix = mixed ? 'User.Name' : 'user';
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const server = await startPostgres();
try {
  const url = await createDatabase(server.url, 'holders_probe');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const client = await pool.connect();
  await migratePostgres(client);
  // The held tokens straight in SQL: the holder read looks at names only, and sealing 300,000 seeds takes long.
  await client.query(
    'INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) ' +
      `SELECT 'P' || i, '${prefix}' || lpad(i::text, 7, '0'), 'totp', 'v1.x', 'SHA1', 6, 't' ` +
      `FROM generate_series(1, ${held}) AS i`,
  );
  if (!indexed) await client.query('DROP INDEX tokens_user_name_lower, tokens_user_name_not_plain');
  await client.query('VACUUM ANALYZE tokens');
  client.release();
  const store = new PgTokenStore(pool, createSealer(randomBytes(32)));
  let next = held + 1;
  const token = (): NewToken => {
    const i = next++;
    return {
      serial: `P${i}`,
      userName: `${prefix}${String(i).padStart(7, '0')}`,
      type: 'totp',
      secret: new Uint8Array(randomBytes(20)),
      algorithm: 'SHA1',
      digits: 6,
    };
  };
  const batches: number[] = [];
  for (let r = 0; r < 5; r++) {
    const batch = Array.from({ length: 10_000 }, token);
    const t0 = performance.now();
    await store.addMany(batch);
    batches.push(performance.now() - t0);
  }
  const singles: number[] = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    await store.add(token());
    singles.push(performance.now() - t0);
  }
  console.log(
    `${held} held (${mixed ? 'mixed-case names' : 'lower-case names'}${indexed ? '' : ', without the indexes of migration 15'}): ` +
      '10,000-token addMany ' +
      `${median(batches).toFixed(0)} ms, one add ${median(singles).toFixed(1)} ms (medians)`,
  );
  // The holder read alone, in the database (no transfer): for one key and for a batch's 10,000.
  for (const count of [1, 10_000]) {
    const keys = Array.from({ length: count }, (_, i) => `${prefix}${i}`.toLowerCase());
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${HOLDERS_OF_KEYS}`, [keys]);
    const plan = (rows[0] as { 'QUERY PLAN': { 'Execution Time': number }[] })['QUERY PLAN'][0]!;
    console.log(`  holder read in the database, ${count} keys: ${plan['Execution Time'].toFixed(1)} ms`);
  }
  await pool.end();
} finally {
  await server.stop();
}
