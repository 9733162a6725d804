// Owns one measurement: the load generator pinned to its core against one server, turned into table figures.
import path from 'node:path';
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
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly loadgenCpuPercent: number;
  /** CPU used by other processes during the interval, in % of one core (a noisy machine shows here). */
  readonly otherCpuPercent: number;
  readonly timeouts: number;
  readonly bad: number;
  readonly answered: number;
}

export interface LoadShape {
  readonly users: number;
  readonly userFormat: string;
  readonly passwordFormat: string;
  readonly window: number;
  readonly sockets: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly secret: string;
}

/** Verified replies in a result. */
export function answered(result: LoadResult): number {
  const c = result.counts;
  return c.accept + c.reject + c.challenge + c.other;
}

/**
 * Runs the generator in its own process pinned to `cpus` against `server` and reads the server's CPU time
 * at the edges of the measured interval.
 */
export async function measureWithLoadgen(
  server: Started,
  port: number,
  shape: LoadShape,
  cpus: string,
): Promise<ServerFigures> {
  const input: LoadgenChildInput = { ...shape, port, serverPid: server.pid };
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
    { cwd: REPO, timeoutMs: (shape.durationSeconds + shape.warmupSeconds + 60) * 1000 },
  );
  const line = run.output.split('\n').find((l) => l.startsWith('{"result"'));
  if (run.code !== 0 || line === undefined)
    throw new Error(`load generator failed:\n${run.output.slice(-4000)}`);
  const out = JSON.parse(line) as LoadgenChildOutput;
  const r = out.result;
  const hz = clockTicksPerSecond();
  const n = answered(r);
  const seconds = r.measuredSeconds;
  const loadgenTicks = (r.loadgenCpuPercent / 100) * seconds * hz;
  return {
    server: server.name,
    generator: 'assent bench radius',
    requestsPerSecond: r.requestsPerSecond,
    serverCpuUsPerRequest: n > 0 ? ((out.serverTicks / hz) * 1e6) / n : Number.NaN,
    serverCpuPercent: seconds > 0 ? (100 * out.serverTicks) / hz / seconds : 0,
    p50Ms: r.latency.p50Us / 1000,
    p99Ms: r.latency.p99Us / 1000,
    loadgenCpuPercent: r.loadgenCpuPercent,
    otherCpuPercent:
      seconds > 0
        ? Math.max(0, (100 * (out.machine.busy - out.serverTicks - loadgenTicks)) / hz / seconds)
        : 0,
    timeouts: r.counts.timeout,
    bad: r.counts.bad,
    answered: n,
  };
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
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.name} exited during start:\n${server.output().slice(-4000)}`);
    }
    const probe = await runRadiusLoad({
      port,
      secret: shape.secret,
      users: 1,
      userFormat: shape.userFormat,
      passwordFormat: shape.passwordFormat,
      window: 1,
      sockets: 1,
      durationSeconds: 2,
      warmupSeconds: 0,
      maxRequests: 1,
      timeoutMs: 250,
      retries: 3,
    });
    if (probe.counts.accept === 1) return;
    if (probe.counts.reject > 0 || probe.counts.bad > 0) {
      throw new Error(
        `${server.name} answered the probe with reject=${probe.counts.reject} bad=${probe.counts.bad}:\n${server.output().slice(-4000)}`,
      );
    }
  }
  throw new Error(
    `${server.name} did not answer within ${timeoutMs / 1000} s:\n${server.output().slice(-4000)}`,
  );
}
