// Owns the optional cross-check with radblast (C): is our generator, not the server, the limit?
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runToEnd, type Started } from './child-processes.js';
import { databaseFigures, type LoadShape, type ServerFigures } from './measure.js';
import { clockTicksPerSecond, processCpuTicks, processTreeCpuTicks } from './proc-stat.js';

const REPO = path.resolve(import.meta.dirname, '..');
/** Git-ignored build output. */
const DEFAULT_BINARY = path.join(REPO, '.bench/radblast');
const BUILD_SCRIPT = path.resolve(REPO, '../shared/tools/build-radblast.sh');

/** Path to a radblast binary, built from ../shared/tools when missing. */
export async function ensureRadblast(binary = process.env.RADBLAST ?? DEFAULT_BINARY): Promise<string> {
  if (existsSync(binary)) return binary;
  if (!existsSync(BUILD_SCRIPT))
    throw new Error(`no radblast at ${binary} and no ${BUILD_SCRIPT} to build it`);
  const build = await runToEnd('bash', [BUILD_SCRIPT, binary], { timeoutMs: 300_000 });
  if (build.code !== 0 || !existsSync(binary))
    throw new Error(`radblast build failed:\n${build.output.slice(-4000)}`);
  return binary;
}

function field(output: string, name: string): number {
  const match = new RegExp(`\\b${name.replace('.', '\\.')}=([0-9.]+)`).exec(output);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/**
 * Runs radblast (PAP + Message-Authenticator, same users, window and sockets) pinned to `cpus`. radblast
 * measures its own interval; the server's CPU is sampled from here at the end of the warm-up and at exit,
 * so the CPU per request is close but not as exact as with our generator's hooks.
 */
export async function measureWithRadblast(
  binary: string,
  server: Started,
  port: number,
  shape: LoadShape,
  cpus: string,
  databasePid?: number,
): Promise<ServerFigures> {
  const args = [
    ...['-c', cpus, binary, '-P', String(port), '-k', shape.secret, '-m', 'pap'],
    ...['-u', shape.userFormat, '-w', shape.passwordFormat, '-U', String(shape.users), '-M'],
    ...['-W', String(shape.window), '-S', String(shape.sockets)],
    ...['-d', String(Math.min(60, shape.durationSeconds)), '-D', String(Math.min(10, shape.warmupSeconds))],
  ];
  let start = 0;
  let databaseStart = 0;
  let startedAt = 0;
  const timer = setTimeout(() => {
    start = processCpuTicks(server.pid);
    if (databasePid !== undefined) databaseStart = processTreeCpuTicks(databasePid);
    startedAt = performance.now();
  }, Math.min(10, shape.warmupSeconds) * 1000);
  const run = await runToEnd('taskset', args, {
    timeoutMs: (shape.durationSeconds + shape.warmupSeconds + 30) * 1000,
  });
  clearTimeout(timer);
  const ticks = processCpuTicks(server.pid) - start;
  const databaseTicks =
    databasePid === undefined ? undefined : processTreeCpuTicks(databasePid) - databaseStart;
  const seconds = (performance.now() - startedAt) / 1000;
  if (run.code !== 0) throw new Error(`radblast failed:\n${run.output.slice(-2000)}`);
  const rate = field(run.output, 'flows_per_s');
  const hz = clockTicksPerSecond();
  const n = rate * seconds;
  return {
    server: server.name,
    generator: 'radblast',
    requestsPerSecond: rate,
    serverCpuUsPerRequest: n > 0 ? ((ticks / hz) * 1e6) / n : Number.NaN,
    serverCpuPercent: (100 * ticks) / hz / seconds,
    ...(databaseTicks === undefined ? {} : { database: databaseFigures(databaseTicks, n, seconds) }),
    p50Ms: field(run.output, 'p50') / 1000,
    p99Ms: field(run.output, 'p99') / 1000,
    loadgenCpuPercent: field(run.output, 'loadgen_cpu_pct'),
    otherCpuPercent: Number.NaN,
    timeouts: field(run.output, 'timeouts'),
    bad: field(run.output, 'badauth'),
    answered: field(run.output, 'accept'),
  };
}
