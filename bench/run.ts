// Owns `npm run bench`: FreeRADIUS and Assent on the same users, one core each, the same generator, one run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureArgon2id } from './argon2-throughput.js';
import { startAssent } from './assent-server.js';
import { PASSWORD_FORMAT, USER_FORMAT, writeBenchUsers } from './bench-users.js';
import { addCleanup, freeUdpPort, type Started, stopAll, stopProcess } from './child-processes.js';
import { freeRadiusVersion, startFreeRadius } from './freeradius-server.js';
import { type LoadShape, measureWithLoadgen, type ServerFigures, waitUntilAnswering } from './measure.js';
import { machineInfo, waitForQuietMachine } from './proc-stat.js';
import { ensureRadblast, measureWithRadblast } from './radblast.js';
import { formatMarkdown, formatText, medianFigures, type Report } from './report.js';

const SERVER_CPU = '1';
const LOADGEN_CPU = '0';

const HELP = `npm run bench -- [options]

Starts FreeRADIUS 3.2 (own config in a temp dir) and Assent on the same users, pins each server to CPU ${SERVER_CPU}
and the load generator to CPU ${LOADGEN_CPU}, and prints requests/s, server CPU µs per request, p50/p99 latency and
the Assent/FreeRADIUS ratio measured in the same run, then argon2id verifications/s on all cores.

  --users N          distinct users (default 10000)
  --duration S       measured seconds per server and round (default 10, at most 60)
  --warmup S         warm-up seconds before each measurement (default 2)
  --window N         requests in flight (default 64)      --sockets N   UDP sockets (default 8)
  --rounds N         rounds, servers alternating; the table shows medians (default 2)
  --only NAME        freeradius | assent | both (default both)
  --radblast         also run radblast (C) against both servers, to check the generator is not the limit
  --quiet-wait S     before each measurement, wait up to S seconds for other processes to go idle (default 120)
  --no-argon2        skip the argon2id line          --markdown   also print the table as Markdown
  --keep             keep the temp dir (configs, users, logs)`;

interface Args {
  users: number;
  duration: number;
  warmup: number;
  window: number;
  sockets: number;
  rounds: number;
  quietWait: number;
  only: 'both' | 'freeradius' | 'assent';
  radblast: boolean;
  argon2: boolean;
  markdown: boolean;
  keep: boolean;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      window: { type: 'string', default: '64' },
      sockets: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      'quiet-wait': { type: 'string', default: '120' },
      only: { type: 'string', default: 'both' },
      radblast: { type: 'boolean', default: false },
      'no-argon2': { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n >= min && n <= max))
      throw new Error(`--${name}: expected ${min}–${max}, got ${v}`);
    return n;
  };
  const only = values.only;
  if (only !== 'both' && only !== 'freeradius' && only !== 'assent')
    throw new Error('--only: freeradius | assent | both');
  return {
    users: num('users', values.users, 1, 1_000_000),
    duration: num('duration', values.duration, 1, 60),
    warmup: num('warmup', values.warmup, 0, 10),
    window: num('window', values.window, 1, 4096),
    sockets: num('sockets', values.sockets, 1, 64),
    rounds: num('rounds', values.rounds, 1, 10),
    quietWait: num('quiet-wait', values['quiet-wait'], 0, 3600),
    only,
    radblast: values.radblast,
    argon2: !values['no-argon2'],
    markdown: values.markdown,
    keep: values.keep,
  };
}

interface Target {
  readonly server: Started;
  readonly port: number;
}

async function main(): Promise<void> {
  const args = parse();
  if (os.availableParallelism() < 2)
    throw new Error('the benchmark needs 2 CPUs: one for the servers, one for the generator');
  const machine = machineInfo();
  const frVersion = await freeRadiusVersion();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assent-bench-'));
  const removeDir = () => {
    if (args.keep) process.stderr.write(`bench: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
  addCleanup(removeDir);
  const secret = randomBytes(12).toString('base64url');
  const shape: LoadShape = {
    users: args.users,
    userFormat: USER_FORMAT,
    passwordFormat: PASSWORD_FORMAT,
    window: args.window,
    sockets: args.sockets,
    durationSeconds: args.duration,
    warmupSeconds: args.warmup,
    secret,
  };
  const notes: string[] = [
    'Assent runs with passwords.upgradeLegacyHashes: false, so every login checks the imported {SSHA256} hash like FreeRADIUS does.',
  ];
  const targets: Target[] = [];
  try {
    const files = writeBenchUsers(args.users, path.join(dir, 'users'), path.join(dir, 'users.csv'));
    process.stderr.write(`bench: ${args.users} users with random salts in ${dir}\n`);
    if (args.only !== 'assent') {
      const port = await freeUdpPort();
      const setup = { dir: path.join(dir, 'freeradius'), port, secret, usersFile: files.freeradiusUsers };
      const server = await startFreeRadius(setup, SERVER_CPU);
      await waitUntilAnswering(server, port, shape);
      targets.push({ server, port });
      process.stderr.write(
        `bench: FreeRADIUS ${frVersion} pid ${server.pid} on 127.0.0.1:${port}, CPU ${SERVER_CPU}\n`,
      );
    }
    if (args.only !== 'freeradius') {
      // ── Assent ──────────────────────────────────────────────────────────────────────────────────────────
      // Set up and started through its own CLI (bench/assent-server.ts). When it cannot start, the run goes
      // on with FreeRADIUS alone and says why.
      try {
        const port = await freeUdpPort();
        const setup = { dir: path.join(dir, 'assent'), port, secret, usersCsv: files.assentCsv };
        const server = await startAssent(setup, SERVER_CPU);
        await waitUntilAnswering(server, port, shape);
        targets.push({ server, port });
        process.stderr.write(`bench: Assent pid ${server.pid} on 127.0.0.1:${port}, CPU ${SERVER_CPU}\n`);
      } catch (error) {
        notes.push(`Assent not measured: ${(error as Error).message.split('\n').slice(0, 6).join(' | ')}`);
        process.stderr.write(`bench: Assent not measured: ${(error as Error).message}\n`);
      }
    }
    const quiet = async () => {
      const busy = await waitForQuietMachine(args.quietWait);
      if (busy >= 15)
        process.stderr.write(
          `bench: other processes still use ${Math.round(busy)} % of a core; measuring anyway\n`,
        );
    };
    const results = new Map<string, ServerFigures[]>();
    const record = (f: ServerFigures) => {
      const key = `${f.server}/${f.generator}`;
      results.set(key, [...(results.get(key) ?? []), f]);
      process.stderr.write(
        `bench:   ${f.server} (${f.generator}): ${Math.round(f.requestsPerSecond)} req/s, ` +
          `${f.serverCpuUsPerRequest.toFixed(1)} µs CPU/req, server ${Math.round(f.serverCpuPercent)} %, ` +
          `loadgen ${Math.round(f.loadgenCpuPercent)} %, other ${Math.round(f.otherCpuPercent)} %\n`,
      );
    };
    for (let round = 0; round < args.rounds; round++) {
      process.stderr.write(`bench: round ${round + 1}/${args.rounds}\n`);
      // Alternate the order so a drift of the machine does not always favour the same server.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) record(await measureWithLoadgen(t.server, t.port, shape, LOADGEN_CPU));
    }
    if (args.radblast) {
      const binary = await ensureRadblast();
      for (const t of targets)
        record(await measureWithRadblast(binary, t.server, t.port, shape, LOADGEN_CPU));
    }
    for (const t of targets) await stopProcess(t.server);
    const rows = [...results.values()].map(medianFigures);
    for (const row of rows) {
      if (row.loadgenCpuPercent > 80) {
        notes.push(`${row.server} (${row.generator}): generator above 80 % of its core, it may be the limit`);
      }
      if (row.otherCpuPercent > 10) {
        notes.push(
          `${row.server} (${row.generator}): other processes used ${Math.round(row.otherCpuPercent)} % of a core: noisy machine`,
        );
      }
      if (row.timeouts > 0 || row.bad > 0)
        notes.push(`${row.server} (${row.generator}): ${row.timeouts} timeouts, ${row.bad} bad replies`);
    }
    if (args.argon2) await quiet();
    const argon2 = args.argon2 ? await measureArgon2id(3) : undefined;
    const report: Report = {
      machine,
      freeradiusVersion: frVersion,
      scenario:
        `PAP + Message-Authenticator, salted SHA-256 (SSHA2-256-Password / {SSHA256}), ${args.users} users, ` +
        `window ${args.window} over ${args.sockets} sockets, ${args.warmup} s warm-up + ${args.duration} s measured, ` +
        `${args.rounds} round(s) (medians); servers on CPU ${SERVER_CPU}, generator on CPU ${LOADGEN_CPU}.`,
      rows,
      argon2,
      notes,
    };
    process.stdout.write(`\n${formatText(report)}\n`);
    if (args.markdown) process.stdout.write(`\n${formatMarkdown(report)}\n`);
  } finally {
    await stopAll();
    removeDir();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
