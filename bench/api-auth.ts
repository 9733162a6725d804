// Owns the REST API's figure in `npm run bench`: `POST /api/v1/auth/` with password and TOTP code, calls per second
// and server CPU per call on one core, beside the RADIUS pap-totp-suffix figure for the same check on the same data.
import { createServer } from 'node:net';
import path from 'node:path';
import type { ApiLoadOutput } from './api-loadgen-child.js';
import { serveAssent, writeAssentConfig } from './assent-server.js';
import { LOADGEN_CPU, SERVER_CPU } from './bench-args.js';
import { PASSWORD_FORMAT, USER_FORMAT } from './bench-users.js';
import { runToEnd, stopProcess } from './child-processes.js';
import type { ServerFigures } from './measure.js';
import { waitForFreshStep } from './measure-flows.js';
import { clockTicksPerSecond } from './proc-stat.js';

const REPO = path.resolve(import.meta.dirname, '..');
// The installed command, as `npm start` runs it (`npm run bench` builds it first when the sources changed).
const CLI = [path.join(REPO, 'bin/assent.js')];

export interface ApiAuthSetup {
  /** The prepared TOTP data dir (users with `{SSHA256}` passwords and TOTP tokens), as pap-totp-suffix used it. */
  readonly dataDir: string;
  readonly radiusPort: number;
  readonly secret: string;
  readonly usersCsv: string;
  readonly totpSeed: Uint8Array;
  readonly users: number;
  readonly window: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface ApiAuthFigures {
  readonly callsPerSecond: number;
  readonly serverCpuUsPerCall: number;
  readonly serverCpuPercent: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly errors: number;
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Assent's admin listener did not answer on ${port} within ${timeoutMs} ms`);
}

/**
 * Starts Assent on the prepared TOTP data (concat mode is irrelevant to the API), makes an `auth` key with the
 * CLI, and drives `/api/v1/auth/` from the generator's core. Every call is a distinct user's first check in a
 * fresh TOTP step, as the RADIUS flows are.
 */
export async function measureApiAuth(setup: ApiAuthSetup): Promise<ApiAuthFigures> {
  const adminPort = await freeTcpPort();
  const configFile = writeAssentConfig({
    dir: setup.dataDir,
    port: setup.radiusPort,
    secret: setup.secret,
    usersCsv: setup.usersCsv,
    adminPort,
  });
  const keyRun = await runToEnd(
    process.execPath,
    [...CLI, '-c', configFile, 'apikey', 'add', '--name', `bench-${Date.now()}`, '--scope', 'auth'],
    { cwd: REPO },
  );
  const key = /ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(keyRun.output)?.[0];
  const name = /API key (\S+) added/.exec(keyRun.output)?.[1];
  if (keyRun.code !== 0 || key === undefined || name === undefined)
    throw new Error(`assent apikey add failed:\n${keyRun.output.slice(-2000)}`);
  const server = serveAssent(configFile, SERVER_CPU);
  try {
    await waitForHttp(adminPort, 60_000);
    await waitForFreshStep();
    const input = {
      port: adminPort,
      serverPid: server.pid,
      authorization: `Basic ${Buffer.from(`${name}:${key}`).toString('base64')}`,
      users: setup.users,
      userFormat: USER_FORMAT,
      passwordFormat: PASSWORD_FORMAT,
      keySeedHex: Buffer.from(setup.totpSeed).toString('hex'),
      window: setup.window,
      warmupSeconds: setup.warmupSeconds,
      durationSeconds: setup.durationSeconds,
    };
    const run = await runToEnd(
      'taskset',
      [
        '-c',
        LOADGEN_CPU,
        process.execPath,
        '--import',
        'tsx',
        path.join(REPO, 'bench/api-loadgen-child.ts'),
        JSON.stringify(input),
      ],
      { cwd: REPO, timeoutMs: (setup.durationSeconds + setup.warmupSeconds + 60) * 1000 },
    );
    const line = run.output.split('\n').find((l) => l.startsWith('{"api"'));
    if (run.code !== 0 || line === undefined)
      throw new Error(`API load generator failed:\n${run.output.slice(-3000)}`);
    const out = (JSON.parse(line) as { api: ApiLoadOutput }).api;
    const cpuSeconds = out.serverTicks / clockTicksPerSecond();
    return {
      callsPerSecond: out.calls / out.seconds,
      serverCpuUsPerCall: out.ok === 0 ? Number.NaN : (cpuSeconds * 1e6) / out.calls,
      serverCpuPercent: (cpuSeconds / out.seconds) * 100,
      p50Ms: out.p50Ms,
      p99Ms: out.p99Ms,
      failed: out.failed,
      errors: out.errors,
    };
  } finally {
    await stopProcess(server);
  }
}

/** The report block: the API beside Assent's RADIUS row for the same check (password ‖ code, same users). */
export function formatApiAuth(
  api: ApiAuthFigures,
  radius: ServerFigures | undefined,
  window: number,
): string {
  const f = (v: number, d = 0) => (Number.isNaN(v) ? '–' : v.toFixed(d));
  const lines = [
    'REST API: POST /api/v1/auth/ with password and TOTP code (the pap-totp-suffix users and tokens), keep-alive',
    `HTTP, ${window} calls in flight, each call a different user's first check in a fresh TOTP step; server on`,
    `CPU ${SERVER_CPU}, generator on CPU ${LOADGEN_CPU}.`,
    '',
    '| path | checks/s | server µs CPU/check | server CPU | p50 ms | p99 ms |',
    '|---|---|---|---|---|---|',
    `| REST /api/v1/auth/ | ${f(api.callsPerSecond)} | ${f(api.serverCpuUsPerCall, 1)} | ${f(api.serverCpuPercent)} % | ${f(api.p50Ms, 2)} | ${f(api.p99Ms, 2)} |`,
  ];
  if (radius !== undefined) {
    lines.push(
      `| RADIUS pap-totp-suffix (${radius.generator}) | ${f(radius.requestsPerSecond)} | ${f(radius.serverCpuUsPerRequest, 1)} | ${f(radius.serverCpuPercent)} % | ${f(radius.p50Ms, 2)} | ${f(radius.p99Ms, 2)} |`,
    );
  }
  if (api.failed > 0 || api.errors > 0)
    lines.push('', `API: ${api.failed} calls refused, ${api.errors} connection errors.`);
  return lines.join('\n');
}
