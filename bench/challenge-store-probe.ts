// Probe, not part of `npm run bench`: PgChallengeStore alone (open, take, claim, end per login) with many logins
// in flight against a throw-away PostgreSQL; prints flows/s, CPU per flow of PostgreSQL and of Node, statements
// per batch, and (test settings) pg_stat_statements. PROBE_DURABLE=1: fsync on, 512 MB buffers, autovacuum.
// PROBE_STEPS=1: take, claim and end as separate steps (an answer that is not a typed code) instead of
// takeAndClaim then end (a typed code's answer).
// Usage: node --import tsx bench/challenge-store-probe.ts [flows=20000] [in-flight=256]
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PgChallengeStore } from '../src/store/postgres/pg-challenge-store.js';
import { migratePostgres } from '../src/store/postgres/pg-migrate.js';
import { connect, createDatabase, startPostgres } from '../test/support/postgres.js';

const flows = Number(process.argv[2] ?? 20000);
const inFlight = Number(process.argv[3] ?? 256);
const durable = process.env.PROBE_DURABLE === '1';
const PROBE_STEPS = process.env.PROBE_STEPS === '1';
const server = await startPostgres(
  durable
    ? {
        fsync: 'on',
        synchronous_commit: 'on',
        full_page_writes: 'on',
        shared_buffers: '512MB',
        autovacuum: 'on',
      }
    : { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_planning': 'on' },
);
const url = await createDatabase(server.url, 'probe');
const client = await connect(url);
await migratePostgres(client);
if (!durable) await client.query('CREATE EXTENSION pg_stat_statements');
await client.end();
const pool = new pg.Pool({ connectionString: url, max: 10 });
// PostgreSQL stops at the end while a client may still be closing: its goodbye is not an error of the probe.
pool.on('error', () => {});
const store = new PgChallengeStore(pool, 60_000);
const sizes = new Map<string, number[]>();
const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
(pool as { query: unknown }).query = (
  config: { name?: string; values?: unknown[][] },
  ...rest: unknown[]
) => {
  const name = config.name ?? 'plain';
  const list = sizes.get(name) ?? [];
  list.push(Array.isArray(config.values?.[0]) ? config.values[0].length : 1);
  sizes.set(name, list);
  return query(config, ...rest);
};
const cpuOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const pgCpu = () => {
  let ticks = 0;
  for (const line of readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8')
    .trim()
    .split(' ')) {
    if (line) ticks += cpuOf(Number(line));
  }
  return ticks + cpuOf(server.pid);
};
let started = 0;
let done = 0;
const one = async () => {
  const session = await store.open(
    {
      transactionId: `t${started}`,
      clientName: 'fw1',
      typedName: 'alice',
      identity: { name: 'alice', groups: [], source: 'local' },
      number: '',
      enrollUrl: '',
      userIp: '',
    },
    Date.now(),
  );
  if (PROBE_STEPS) {
    const taken = await store.take(session.state, 'fw1', 'alice', Date.now());
    if (!taken.ok) throw new Error('not taken');
    if (!(await store.claim(taken.session, Date.now()))) throw new Error('not claimed');
    await store.end(taken.session, Date.now());
    return;
  }
  // As a typed code's answer goes (answer-challenge.ts): found, claimed (and ended) in one step, then ended.
  const taken = await store.takeAndClaim(session.state, 'fw1', 'alice', Date.now());
  if (!taken.ok || taken.claimed !== true) throw new Error('not claimed');
  await store.end(taken.session, Date.now());
};
const t0 = performance.now();
const c0 = pgCpu();
const u0 = process.cpuUsage();
await new Promise<void>((resolve, reject) => {
  const next = () => {
    if (started >= flows) return;
    started++;
    one().then(() => {
      done++;
      if (done === flows) resolve();
      else next();
    }, reject);
  };
  for (let i = 0; i < inFlight; i++) next();
});
const seconds = (performance.now() - t0) / 1000;
const pgMs = (pgCpu() - c0) * 10;
const node = process.cpuUsage(u0);
console.log(
  `${flows} flows, ${inFlight} in flight: ${(flows / seconds).toFixed(0)} flows/s, ` +
    `PostgreSQL ${((pgMs * 1000) / flows).toFixed(1)} µs CPU/flow, Node ${((node.user + node.system) / flows).toFixed(1)} µs/flow`,
);
if (!durable) {
  const stats = await pool.query(
    'SELECT calls, round(total_exec_time::numeric, 1) AS exec_ms, round(total_plan_time::numeric, 1) AS plan_ms, rows, left(query, 60) AS q FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8',
  );
  console.table(stats.rows);
}
for (const [name, list] of sizes) {
  console.log(
    `${name}: ${list.length} statements, ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(1)} per statement`,
  );
}
await pool.end();
await server.stop();
