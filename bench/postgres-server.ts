// Owns the PostgreSQL of `npm run bench -- --postgres`: one throw-away server per run, pinned to the server core.
import { readFileSync } from 'node:fs';
import { connect, createDatabase, startPostgres } from '../test/support/postgres.js';
import { addCleanup, pinTree } from './child-processes.js';

/** On Ctrl-C, how long to wait for PostgreSQL's fast shutdown before the process exits (and kills it). */
const SIGNAL_STOP_MS = 5000;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** True once `pid` has exited: gone, or a zombie (our child, not yet reaped by the event loop we are blocking). */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The run's PostgreSQL server. */
export interface BenchPostgres {
  /** The postmaster: its process tree (every backend) is what the DB CPU columns sum. */
  readonly pid: number;
  /** Creates database `name` (a plain lowercase identifier) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes its temp dir; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL the way the store tests do (test/support/postgres.ts: initdb in a temp dir, 127.0.0.1 on a
 * free port, trust authentication, durability off, as the `postgres` user when run as root), with 512 MB of
 * shared buffers, and pins it to `cpus`. Ctrl-C or a failure of the run stops it too (fast shutdown; the tests'
 * exit hook then kills it and removes its dir).
 * @throws Error when PostgreSQL is not installed, does not start, or cannot be pinned
 */
export async function startBenchPostgres(cpus: string): Promise<BenchPostgres> {
  const server = await startPostgres({
    // A database server for 300,000 users has its working set in memory; the tests' 16 MB would make the first
    // touch of each token row a read from the OS cache.
    shared_buffers: '512MB',
    // As on any real server: the challenge table fills and empties all day, and without autovacuum its dead
    // rows pile up for the whole run (the tests turn it off for steady timings; a benchmark wants a site's).
    autovacuum: 'on',
    ...(STATEMENTS ? { shared_preload_libraries: 'pg_stat_statements' } : {}),
  });
  let stopped = false;
  addCleanup(() => {
    if (stopped) return;
    // Synchronous (the run is ending on a signal): fast shutdown, then wait a little for the postmaster to exit,
    // so the exit hook of test/support/postgres.ts removes a data dir nothing writes to any more.
    try {
      process.kill(server.pid, 'SIGINT');
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + SIGNAL_STOP_MS;
    while (!exited(server.pid) && Date.now() < deadline) Atomics.wait(SLEEP, 0, 0, 20);
  });
  const stop = async (): Promise<void> => {
    stopped = true;
    await server.stop();
  };
  try {
    await pinTree(server.pid, cpus, 'PostgreSQL');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: server.pid,
    createDatabase: (name) => createDatabase(server.url, name),
    stop,
  };
}

/**
 * Updates the planner's statistics after an import, as autovacuum would (later, on its own schedule): without them
 * the first queries on a table of 300,000 fresh rows may be planned as on an empty one.
 */
export async function analyzeDatabase(url: string): Promise<void> {
  const client = await connect(url);
  try {
    await client.query('VACUUM (ANALYZE)');
    if (STATEMENTS) await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  } finally {
    await client.end();
  }
}

/**
 * BENCH_PG_STATEMENTS=1: PostgreSQL loads pg_stat_statements, and `reportStatements` prints the statements that
 * took its time (calls, rows, total and mean ms), to find what a scenario costs the database.
 */
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';

export async function reportStatements(url: string): Promise<void> {
  if (!STATEMENTS) return;
  const client = await connect(url);
  try {
    const { rows } = await client.query<{
      calls: string;
      rows: string;
      ms: string;
      mean: string;
      query: string;
    }>(
      'SELECT calls::text, rows::text, round(total_exec_time::numeric, 1)::text AS ms, ' +
        "round(mean_exec_time::numeric, 3)::text AS mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query " +
        'FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12',
    );
    for (const row of rows) {
      process.stderr.write(
        `bench: pg ${row.ms} ms, ${row.calls} calls, ${row.rows} rows, ${row.mean} ms each: ${row.query}\n`,
      );
    }
    // Updates that had to write a new entry in every index of the table (not heap-only) cost the most.
    const tables = await client.query<{ relname: string; upd: string; hot: string }>(
      'SELECT relname, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables ' +
        'WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC',
    );
    for (const t of tables.rows)
      process.stderr.write(`bench: pg table ${t.relname}: ${t.upd} updates, ${t.hot} of them heap-only\n`);
  } finally {
    await client.end();
  }
}
