// Starts a throwaway PostgreSQL server (PEERS.md "Directory and stores") in a temp dir, on 127.0.0.1 only.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './slapd.js';

const run = promisify(execFile);

export interface Postgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication: no password). */
  readonly url: string;
  readonly port: number;
  /** The postmaster's PID (our child; also the first line of `data/postmaster.pid`). */
  readonly pid: number;
  /** The temp dir: `data/` is the cluster, the Unix socket is here too. Removed by `stop()`. */
  readonly dir: string;
  /** Stops the postmaster by its PID (fast shutdown, then SIGKILL) and removes the temp dir; idempotent. */
  stop(): Promise<void>;
}

/** A test cluster is thrown away: no durability, little memory, no background vacuum to disturb timings. */
const TEST_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  shared_buffers: '16MB',
  autovacuum: 'off',
  timezone: 'UTC',
};

const START_TIMEOUT_MS = 20_000;
const INITDB_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const KILL_TIMEOUT_MS = 5_000;

/**
 * The directory of `initdb` and `postgres`: the highest version under /usr/lib/postgresql (Debian), else
 * `pg_config --bindir`.
 * @throws Error when PostgreSQL is not installed: tests must fail, not skip, when a peer is missing
 */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+(\.\d+)?$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 5000 }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config either: fall through to the error below
  }
  throw new Error(
    'PostgreSQL is not installed: no initdb under /usr/lib/postgresql/*/bin nor in `pg_config --bindir`; ' +
      'install the Debian package postgresql (.ci/run does)',
  );
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (PEERS.md), else as us. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await run('id', ['-u', 'postgres'], { timeout: 5000 })).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'], { timeout: 5000 })).stdout.trim());
    return { uid, gid };
  } catch (error) {
    throw new Error('running as root and there is no `postgres` user to run PostgreSQL as', { cause: error });
  }
}

const gone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves true once `child` has exited, false after `ms`. */
async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (gone(child)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return gone(child);
}

/**
 * Waits until the server answers and is ours (its data directory is `data`): a port taken by someone else
 * between `freePort()` and the start must not pass for our server.
 */
async function waitReady(child: ChildProcess, port: number, data: string, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (gone(child)) {
      throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}) while starting:\n${log()}`);
    }
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 1000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
      if (rows[0]?.dir !== data)
        throw new Error(`port ${port} is answered by another server (${rows[0]?.dir})`);
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(
          `postgres did not answer on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${log()}`,
          {
            cause: error,
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/**
 * Starts PostgreSQL in a fresh temp dir on a free loopback port, durability off (a test cluster is thrown
 * away). Always removes the temp dir when start-up fails. The postmaster is our direct child, so a test run
 * that ends without `stop()` still kills it (see the `exit` hook).
 * `settings` override the defaults below (`-c name=value`), e.g. the benchmark's production-like durability.
 * @throws Error when PostgreSQL is not installed or does not start in time
 */
export async function startPostgres(settings: Readonly<Record<string, string>> = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const user = await serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'assent-pg-'));
  const data = join(dir, 'data');
  let child: ChildProcess | undefined;
  let stopped = false;
  const killOnExit = (): void => {
    if (child !== undefined && !gone(child)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    const started = child;
    if (started?.pid !== undefined && !gone(started)) {
      // Started directly (not through pg_ctl), our child is the postmaster, the PID in postmaster.pid. Killing
      // the child, not a PID read back from that file, cannot hit another process if the file were stale.
      // SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing waits for clients to disconnect.
      started.kill('SIGINT');
      if (!(await exited(started, STOP_TIMEOUT_MS))) {
        started.kill('SIGKILL');
        await exited(started, KILL_TIMEOUT_MS);
      }
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  };

  try {
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
    // A small, fixed environment: no PG* variable of the caller's may point initdb or postgres elsewhere.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
    const as = { ...(user ?? {}), cwd: dir, env };
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...as, timeout: INITDB_TIMEOUT_MS, killSignal: 'SIGKILL' },
    ).catch((error: unknown) => {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`initdb failed:\n${stderr}`, { cause: error });
    });

    // A port can be taken between freePort() and the bind: try again with another one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      let log = '';
      child = spawn(
        join(bin, 'postgres'),
        [
          ...['-D', data, '-p', String(port), '-k', dir],
          ...['-c', 'listen_addresses=127.0.0.1'],
          ...Object.entries({ ...TEST_SETTINGS, ...settings }).flatMap(([name, value]) => [
            '-c',
            `${name}=${value}`,
          ]),
        ],
        { ...as, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-8000);
      });
      const spawned = child;
      const spawnError = new Promise<never>((_, reject) =>
        spawned.once('error', (error) => reject(new Error(`cannot run ${bin}/postgres`, { cause: error }))),
      );
      spawnError.catch(() => {}); // once the race is over, a late 'error' must not be an unhandled rejection
      try {
        await Promise.race([waitReady(spawned, port, data, () => log), spawnError]);
        const pid = spawned.pid ?? 0;
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, pid, dir, stop };
      } catch (error) {
        if (!gone(spawned)) {
          spawned.kill('SIGKILL');
          await exited(spawned, KILL_TIMEOUT_MS);
        }
        if (attempt >= 3 || !/could not bind|already in use|another server/i.test(String(log + error))) {
          throw error;
        }
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Creates database `name` on the server at `url` and returns the URL of the new database, so each test gets a
 * database of its own on the file's one server. `icuLocale` makes its default collation an ICU one (`en-US`),
 * for tests that must not pass merely because the cluster's default is C.
 * @throws Error for a name that is not a plain lowercase identifier, or when it exists
 */
export async function createDatabase(
  url: string,
  name: string,
  options: { icuLocale?: string } = {},
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const client = await connect(url);
  try {
    const icu =
      options.icuLocale === undefined
        ? ''
        : ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE ${client.escapeLiteral(options.icuLocale)}`;
    await client.query(`CREATE DATABASE ${name}${icu}`);
  } finally {
    await client.end();
  }
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

/**
 * A connected client. The `error` listener keeps a server stopped under an idle client from crashing the run
 * (an unhandled `error` event would); end clients before `stop()` all the same.
 */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}
