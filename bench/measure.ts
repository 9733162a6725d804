// Owns one measurement: the load generator pinned to its core against one server, turned into table figures.
import path from 'node:path';
import type { FlowLoadResult } from '../src/loadgen/flow-result.js';
import type { LoadOptionsInput } from '../src/loadgen/load-options.js';
import type { LoadResult } from '../src/loadgen/load-result.js';
import { runRadiusLoad } from '../src/loadgen/run-radius-load.js';
import { runToEnd, type Started } from './child-processes.js';
import type { LoadgenChildInput, LoadgenChildOutput } from './loadgen-child.js';
import { clockTicksPerSecond } from './proc-stat.js';

const REPO = path.resolve(import.meta.dirname, '..');

/** The figures of one server in one round. */
export interface ServerFigures {
  readonly server: string;
  readonly generator: 'assent bench radius' | 'radblast';
  readonly requestsPerSecond: number;
  /** Server CPU time (all threads, user + system) per verified reply. */
  readonly serverCpuUsPerRequest: number;
  /** Server CPU over the interval, in % of one core: near 100 means the server was the limit. */
  readonly serverCpuPercent: number;
  /** Minor page faults the server took per verified reply (our generator only). */
  readonly serverFaultsPerRequest?: number;
  /**
   * Only for a server with a database of its own (Assent on PostgreSQL, `--postgres`): the CPU of the database's
   * processes (postmaster and backends) in the interval: seconds, per verified reply, and in % of one core. The
   * server figures above are the server process alone.
   */
  readonly database?: DatabaseFigures;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly loadgenCpuPercent: number;
  /** CPU used by other processes during the interval, in % of one core (a noisy machine shows here). */
  readonly otherCpuPercent: number;
  readonly timeouts: number;
  readonly bad: number;
  readonly answered: number;
}

/** PostgreSQL's CPU beside a server's, over the same measured interval. */
export interface DatabaseFigures {
  readonly cpuSeconds: number;
  readonly cpuUsPerRequest: number;
  readonly cpuPercent: number;
}

/** CPU µs per reply of the server and its database together: what one core running both spends. */
export function cpuUsPerRequestWithDatabase(f: ServerFigures): number {
  return f.serverCpuUsPerRequest + (f.database?.cpuUsPerRequest ?? 0);
}

/** What a scenario fixes of every run: the generator's load options, with the secret as text. */
export interface LoadShape
  extends Required<
    Pick<
      LoadOptionsInput,
      'users' | 'userFormat' | 'passwordFormat' | 'window' | 'sockets' | 'durationSeconds' | 'warmupSeconds'
    >
  > {
  readonly secret: string;
}

/** Verified replies in a result. */
export function answered(result: LoadResult): number {
  const c = result.counts;
  return c.accept + c.reject + c.challenge + c.other;
}

/**
 * Runs bench/loadgen-child.ts in its own process pinned to `cpus`; it reads the server's CPU time at the edges
 * of the measured interval.
 * @returns what the child printed; `R` is the result type of the run `input` asks for
 */
export async function runLoadgenChild<R extends LoadResult | FlowLoadResult>(
  input: LoadgenChildInput,
  cpus: string,
): Promise<LoadgenChildOutput<R>> {
  const run = await runToEnd(
    'taskset',
    [
      '-c',
      cpus,
      process.execPath,
      '--import',
      'tsx',
      path.join(REPO, 'bench/loadgen-child.ts'),
      JSON.stringify(input),
    ],
    { cwd: REPO, timeoutMs: (input.durationSeconds + input.warmupSeconds + 60) * 1000 },
  );
  const line = run.output.split('\n').find((l) => l.startsWith('{"result"'));
  if (run.code !== 0 || line === undefined)
    throw new Error(`load generator failed:\n${run.output.slice(-4000)}`);
  return JSON.parse(line) as LoadgenChildOutput<R>;
}

/** The table figures of a child's run: `served` units (replies, flows) at `perSecond` in its interval. */
export function serverFigures(
  server: Started,
  out: LoadgenChildOutput,
  served: number,
  perSecond: number,
): ServerFigures {
  const r = out.result;
  const hz = clockTicksPerSecond();
  const seconds = r.measuredSeconds;
  const loadgenTicks = (r.loadgenCpuPercent / 100) * seconds * hz;
  const databaseTicks = out.databaseTicks ?? 0;
  return {
    server: server.name,
    generator: 'assent bench radius',
    requestsPerSecond: perSecond,
    serverCpuUsPerRequest: served > 0 ? ((out.serverTicks / hz) * 1e6) / served : Number.NaN,
    serverCpuPercent: seconds > 0 ? (100 * out.serverTicks) / hz / seconds : 0,
    ...(out.serverFaults === undefined || served === 0
      ? {}
      : { serverFaultsPerRequest: out.serverFaults / served }),
    ...(out.databaseTicks === undefined
      ? {}
      : { database: databaseFigures(out.databaseTicks, served, seconds) }),
    p50Ms: r.latency.p50Us / 1000,
    p99Ms: r.latency.p99Us / 1000,
    loadgenCpuPercent: r.loadgenCpuPercent,
    otherCpuPercent:
      seconds > 0
        ? Math.max(
            0,
            (100 * (out.machine.busy - out.serverTicks - databaseTicks - loadgenTicks)) / hz / seconds,
          )
        : 0,
    timeouts: r.counts.timeout,
    bad: r.counts.bad,
    answered: served,
  };
}

/** The database's figures from its CPU ticks over an interval of `seconds` in which `served` replies went out. */
export function databaseFigures(ticks: number, served: number, seconds: number): DatabaseFigures {
  const cpuSeconds = ticks / clockTicksPerSecond();
  return {
    cpuSeconds,
    cpuUsPerRequest: served > 0 ? (cpuSeconds * 1e6) / served : Number.NaN,
    cpuPercent: seconds > 0 ? (100 * cpuSeconds) / seconds : 0,
  };
}

/**
 * Runs the generator in its own process pinned to `cpus` against `server`: PAP requests. With `databasePid`
 * (PostgreSQL's postmaster), the database's CPU is sampled at the same edges as the server's.
 */
export async function measureWithLoadgen(
  server: Started,
  port: number,
  shape: LoadShape,
  cpus: string,
  databasePid?: number,
): Promise<ServerFigures> {
  const out = await runLoadgenChild<LoadResult>(
    { ...shape, port, serverPid: server.pid, ...(databasePid === undefined ? {} : { databasePid }) },
    cpus,
  );
  return serverFigures(server, out, answered(out.result), out.result.requestsPerSecond);
}

/** One request (or flow) for user 0, retransmitted a few times: what a readiness probe sends. */
export function probeOptions(port: number, shape: LoadShape, durationSeconds: number): LoadOptionsInput {
  return {
    port,
    secret: shape.secret,
    users: 1,
    userFormat: shape.userFormat,
    passwordFormat: shape.passwordFormat,
    window: 1,
    sockets: 1,
    durationSeconds,
    warmupSeconds: 0,
    maxRequests: 1,
    timeoutMs: 250,
    retries: 3,
  };
}

/**
 * Probes `server` until `probeOnce` says it is ready (it may still be loading users); `probeOnce` throws
 * when the server answers wrongly.
 * @throws Error with the server's output when it exits or is not ready within `timeoutMs`
 */
export async function waitUntilReady(
  server: Started,
  timeoutMs: number,
  probeOnce: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      throw new Error(`${server.name} exited during start:\n${server.output().slice(-4000)}`);
    if (await probeOnce()) return;
  }
  throw new Error(
    `${server.name} did not answer within ${timeoutMs / 1000} s:\n${server.output().slice(-4000)}`,
  );
}

/**
 * Waits until `server` answers one Access-Request with an Access-Accept (it may still be loading users).
 * @throws Error with the server's output when it exits or does not answer within `timeoutMs`
 */
export async function waitUntilAnswering(
  server: Started,
  port: number,
  shape: LoadShape,
  timeoutMs = 90_000,
): Promise<void> {
  await waitUntilReady(server, timeoutMs, async () => {
    const probe = await runRadiusLoad(probeOptions(port, shape, 2));
    if (probe.counts.accept === 1) return true;
    if (probe.counts.reject > 0 || probe.counts.bad > 0) {
      throw new Error(
        `${server.name} answered the probe with reject=${probe.counts.reject} bad=${probe.counts.bad}:\n${server.output().slice(-4000)}`,
      );
    }
    return false;
  });
}
