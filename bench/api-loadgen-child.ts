// Owns the REST API's load generator: `POST /api/v1/auth/` (password and TOTP code) over keep-alive HTTP, a fixed
// number of calls in flight, server CPU sampled at the edges of the measured interval.
// Usage (by bench/api-auth.ts): taskset -c 0 node --import tsx bench/api-loadgen-child.ts '<json ApiLoadInput>'
import { Agent, request } from 'node:http';
import { TotpKeyTable, totpStepAt } from '../src/loadgen/totp-keys.js';
import { type MachineTicks, machineCpuTicks, processCpuTicks } from './proc-stat.js';

export interface ApiLoadInput {
  readonly port: number;
  readonly serverPid: number;
  /** `Authorization` header value (Basic with the benchmark's API key). */
  readonly authorization: string;
  readonly users: number;
  readonly userFormat: string;
  readonly passwordFormat: string;
  readonly keySeedHex: string;
  /** Calls in flight at once (one keep-alive connection each). */
  readonly window: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface ApiLoadOutput {
  readonly calls: number;
  readonly ok: number;
  readonly failed: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverTicks: number;
  readonly machine: MachineTicks;
  /** Users called (each once: every call is a user's first code check in this TOTP step). */
  readonly usersTaken: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as ApiLoadInput;
  const keys = new TotpKeyTable(Buffer.from(input.keySeedHex, 'hex'), input.users);
  const agent = new Agent({ keepAlive: true, maxSockets: input.window });
  const start = Date.now();
  const measureFrom = start + input.warmupSeconds * 1000;
  const measureTo = measureFrom + input.durationSeconds * 1000;
  let next = 0;
  let measuring = false;
  let calls = 0;
  let ok = 0;
  let failed = 0;
  let errors = 0;
  const latencies: number[] = [];
  let server0 = 0;
  let server1 = 0;
  let machine0: MachineTicks = { busy: 0, total: 0 };
  let machine1: MachineTicks = { busy: 0, total: 0 };

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      if (next >= input.users || Date.now() >= measureTo) return resolve();
      const i = next++;
      const step = totpStepAt(Date.now());
      const body = JSON.stringify({
        username: input.userFormat.replace('%d', String(i)),
        password: input.passwordFormat.replace('%d', String(i)),
        token_code: keys.code(i, step),
      });
      const sent = performance.now();
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: input.port,
          method: 'POST',
          path: '/api/v1/auth/',
          headers: {
            authorization: input.authorization,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (measuring) {
              calls++;
              if (res.statusCode === 200) ok++;
              else failed++;
              latencies.push(performance.now() - sent);
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        if (measuring) errors++;
        resolve();
      });
      req.end(body);
    });

  const lane = async () => {
    while (Date.now() < measureTo && next < input.users) await one();
  };
  const edges = [
    setTimeout(() => {
      measuring = true;
      server0 = processCpuTicks(input.serverPid);
      machine0 = machineCpuTicks();
    }, measureFrom - start),
  ];
  const ended = new Promise<void>((resolve) =>
    edges.push(
      setTimeout(() => {
        server1 = processCpuTicks(input.serverPid);
        machine1 = machineCpuTicks();
        measuring = false;
        resolve();
      }, measureTo - start),
    ),
  );
  await Promise.all([...Array.from({ length: input.window }, lane), ended]);
  for (const t of edges) clearTimeout(t);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const output: ApiLoadOutput = {
    calls,
    ok,
    failed,
    errors,
    seconds: input.durationSeconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    serverTicks: server1 - server0,
    machine: { busy: machine1.busy - machine0.busy, total: machine1.total - machine0.total },
    usersTaken: next,
  };
  process.stdout.write(`${JSON.stringify({ api: output })}\n`);
}

await main();
