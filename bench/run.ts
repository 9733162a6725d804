// Owns `npm run bench`: FreeRADIUS and Assent on the same users, one core each, the same generator, one run.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TotpFlow } from '../src/loadgen/flow-result.js';
import { formatApiAuth, measureApiAuth } from './api-auth.js';
import { measureArgon2id } from './argon2-throughput.js';
import { type AssentSetup, prepareAssent, serveAssent, writeAssentConfig } from './assent-server.js';
import { type BenchArgs, LOADGEN_CPU, parseBenchArgs, SERVER_CPU } from './bench-args.js';
import { type BenchUserFiles, PASSWORD_FORMAT, USER_FORMAT, writeBenchUsers } from './bench-users.js';
import {
  addCleanup,
  freeUdpPort,
  keepOutputIn,
  type Started,
  stopAll,
  stopProcess,
} from './child-processes.js';
import { freeRadiusVersion, startFreeRadius } from './freeradius-server.js';
import {
  cpuUsPerRequestWithDatabase,
  type LoadShape,
  measureWithLoadgen,
  type ServerFigures,
  waitUntilAnswering,
} from './measure.js';
import {
  type FlowFigures,
  type FlowShape,
  measureFlowsWithLoadgen,
  secondsLeftInStep,
  waitForFreshStep,
  waitUntilFlowCompletes,
} from './measure-flows.js';
import {
  analyzeDatabase,
  type BenchPostgres,
  reportStatements,
  startBenchPostgres,
} from './postgres-server.js';
import { type MachineInfo, machineInfo, waitForQuietMachine } from './proc-stat.js';
import { ensureRadblast, measureWithRadblast } from './radblast.js';
import {
  ASSENT_B,
  ASSENT_PG,
  COMPARED_WITH_FREERADIUS,
  formatMarkdown,
  formatText,
  medianFigures,
  type Report,
} from './report.js';
import { describeScenario, type Scenario, usesTotp } from './scenario.js';
import { ASSENT_TWO_NODES, FREERADIUS_TWO_CORES, runTwoCores } from './two-cores.js';

interface Target {
  readonly server: Started;
  readonly port: number;
  /** PostgreSQL's postmaster when the server keeps its data there: its CPU is measured beside the server's. */
  readonly databasePid?: number;
}

/** What every scenario of one run shares: the temp dir, the secret, the TOTP seed, files written once. */
interface RunContext {
  readonly args: BenchArgs;
  readonly machine: MachineInfo;
  readonly frVersion: string;
  readonly dir: string;
  readonly secret: string;
  readonly totpSeed: Uint8Array;
  papFiles?: BenchUserFiles;
  totpFiles?: BenchUserFiles;
  /** Assent's data with the TOTP users and tokens, prepared once for both TOTP scenarios. */
  assentTotpPrepared?: boolean;
  /** `--postgres`: the run's PostgreSQL, and per data set ('pap', 'totp') the URL of its prepared database. */
  readonly postgres?: BenchPostgres;
  readonly postgresData: Map<'pap' | 'totp', string>;
}

/** Seconds a measurement takes beyond warm-up and measured time (generator start, CPU readings). */
const TARGET_OVERHEAD_SECONDS = 1.5;
/** What of a 30 s TOTP step measurements may use: the start margin and slack for a slow start stay free. */
const STEP_BUDGET_SECONDS = 27;

const TARGET_RATIO: Readonly<Record<Scenario, number>> = {
  pap: 1,
  'pap-totp-suffix': 1,
  'challenge-totp': 1.5,
};

function userFiles(ctx: RunContext, totp: boolean): BenchUserFiles {
  const existing = totp ? ctx.totpFiles : ctx.papFiles;
  if (existing) return existing;
  const count = totp ? ctx.args.totpUsers : ctx.args.users;
  const name = totp ? 'totp-users' : 'users';
  const files = writeBenchUsers(
    count,
    path.join(ctx.dir, name),
    path.join(ctx.dir, `${name}.csv`),
    totp ? ctx.totpSeed : undefined,
  );
  process.stderr.write(`bench: ${count} users${totp ? ' with TOTP keys' : ''} in ${ctx.dir}\n`);
  if (totp) ctx.totpFiles = files;
  else ctx.papFiles = files;
  return files;
}

/**
 * Starts Assent for the scenario; the TOTP scenarios share one prepared data dir, each with its own mode. With
 * `variant` (`--compare-flags`), starts "Assent B" on the copy of that data made right after it was prepared.
 */
async function startAssentFor(
  ctx: RunContext,
  scenario: Scenario,
  port: number,
  variant?: readonly string[],
): Promise<Started> {
  const totp = usesTotp(scenario);
  const prepared = path.join(ctx.dir, totp ? 'assent-totp' : 'assent');
  const setup = assentSetup(ctx, scenario, port, variant ? `${prepared}-b` : prepared);
  if (variant)
    return serveAssent(writeAssentConfig(setup), SERVER_CPU, { name: ASSENT_B, nodeFlags: variant });
  if (totp && ctx.assentTotpPrepared) return serveAssent(writeAssentConfig(setup), SERVER_CPU);
  const configFile = await prepareAssent(setup);
  if (totp) ctx.assentTotpPrepared = true;
  // Assent B's copy is taken before Assent A changes anything (the database is closed between CLI runs).
  if (ctx.args.compareFlags) cpSync(prepared, `${prepared}-b`, { recursive: true });
  return serveAssent(configFile, SERVER_CPU);
}

/** Assent's setup for the scenario in `dir`: the run's users, secret and (TOTP scenarios) mode and tokens. */
function assentSetup(ctx: RunContext, scenario: Scenario, port: number, dir: string): AssentSetup {
  const totp = usesTotp(scenario);
  return {
    dir,
    port,
    secret: ctx.secret,
    usersCsv: userFiles(ctx, totp).assentCsv,
    ...(totp
      ? {
          secondFactorMode: scenario === 'challenge-totp' ? ('challenge' as const) : ('concat' as const),
          totp: { seed: ctx.totpSeed, users: ctx.args.totpUsers },
        }
      : {}),
  };
}

/** Assent on PostgreSQL: the data dir holds only the key file (the data is in the database). */
const postgresSetup = (ctx: RunContext, scenario: Scenario, port: number): AssentSetup =>
  assentSetup(ctx, scenario, port, path.join(ctx.dir, usesTotp(scenario) ? 'assent-totp-pg' : 'assent-pg'));

/**
 * Starts "Assent (PostgreSQL)" for the scenario: the same users, client and tokens as the SQLite Assent, in a
 * database of the run's PostgreSQL (one for pap, one shared by both TOTP scenarios), prepared through the same
 * CLI and store calls with `storage.url` in the config, then analysed. Its data dir holds only the key file.
 */
async function startAssentOnPostgres(
  ctx: RunContext,
  postgres: BenchPostgres,
  scenario: Scenario,
  port: number,
) {
  const totp = usesTotp(scenario);
  const data = totp ? 'totp' : 'pap';
  const setup = postgresSetup(ctx, scenario, port);
  const variant = { name: ASSENT_PG, nodeFlags: [] };
  const prepared = ctx.postgresData.get(data);
  if (prepared !== undefined)
    return serveAssent(writeAssentConfig({ ...setup, storageUrl: prepared }), SERVER_CPU, variant);
  const storageUrl = await postgres.createDatabase(`assent_${data}`);
  const started = performance.now();
  const configFile = await prepareAssent({ ...setup, storageUrl });
  await analyzeDatabase(storageUrl);
  process.stderr.write(
    `bench: ${ASSENT_PG} data (${data}) prepared in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  ctx.postgresData.set(data, storageUrl);
  return serveAssent(configFile, SERVER_CPU, variant);
}

/** Waits (bounded) until other processes leave the machine alone; says so when they did not. */
async function quiet(maxWaitSeconds: number): Promise<void> {
  const busy = await waitForQuietMachine(maxWaitSeconds);
  if (busy >= 15)
    process.stderr.write(
      `bench: other processes still use ${Math.round(busy)} % of a core; measuring anyway\n`,
    );
}

/** Resident memory of a process now, in MiB (`VmRSS`); undefined when it cannot be read. */
function residentMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Start-up as an operator sees it after a restart: from spawning the server to its first correct answer (both
 * servers read every user at start), and what it holds in memory then, also per 100,000 users.
 */
function startupNote(server: Started, users: number): string {
  const seconds = (performance.now() - server.startedAt) / 1000;
  const rss = residentMiB(server.pid);
  const memory =
    rss === undefined
      ? 'resident memory unknown'
      : `${Math.round(rss)} MiB resident (${Math.round((rss * 100_000) / users)} MiB per 100,000 users)`;
  return `${server.name} start-up: ${seconds.toFixed(1)} s to its first answered login with ${users} users, ${memory}`;
}

async function runScenario(ctx: RunContext, scenario: Scenario): Promise<Report> {
  const { args } = ctx;
  const totp = usesTotp(scenario);
  const duration = totp ? args.totpDuration : args.duration;
  const users = totp ? args.totpUsers : args.users;
  const window = totp ? args.totpWindow : args.window;
  const unit = totp ? 'flow' : 'request';
  const shape: LoadShape = {
    users,
    userFormat: USER_FORMAT,
    passwordFormat: PASSWORD_FORMAT,
    window,
    sockets: args.sockets,
    durationSeconds: duration,
    warmupSeconds: args.warmup,
    secret: ctx.secret,
  };
  const flowShape: FlowShape | undefined = totp
    ? {
        ...shape,
        flow: scenario === 'challenge-totp' ? TotpFlow.Challenge : TotpFlow.Suffix,
        keySeedHex: Buffer.from(ctx.totpSeed).toString('hex'),
      }
    : undefined;
  const probe = (server: Started, port: number) =>
    flowShape ? waitUntilFlowCompletes(server, port, flowShape) : waitUntilAnswering(server, port, shape);
  process.stderr.write(`bench: scenario ${scenario}\n`);
  const notes: string[] = [
    'Assent runs with passwords.upgradeLegacyHashes: false, so every login checks the imported {SSHA256} hash like FreeRADIUS does.',
    'Assent runs without its sign-in history (portal.signInHistoryDays: 0) and with log level warn: like FreeRADIUS here, it keeps no per-login record (the history costs 7–8 µs a login at these rates, docs/performance.md).',
  ];
  const targets: Target[] = [];
  if (args.servers.freeradius) {
    const port = await freeUdpPort();
    const usersFile = userFiles(ctx, totp).freeradiusUsers;
    const setup = {
      dir: path.join(ctx.dir, `freeradius-${scenario}`),
      port,
      secret: ctx.secret,
      usersFile,
      scenario,
    };
    const server = await startFreeRadius(setup, SERVER_CPU);
    await probe(server, port);
    notes.push(startupNote(server, users));
    targets.push({ server, port });
    process.stderr.write(`bench: FreeRADIUS ${ctx.frVersion} pid ${server.pid} on 127.0.0.1:${port}\n`);
  }
  if (args.servers.assent) {
    // When Assent cannot start or refuses the flow, the run goes on with FreeRADIUS alone and says why.
    try {
      const port = await freeUdpPort();
      const server = await startAssentFor(ctx, scenario, port);
      try {
        await probe(server, port);
      } catch (error) {
        await stopProcess(server);
        throw error;
      }
      notes.push(startupNote(server, users));
      targets.push({ server, port });
      process.stderr.write(`bench: Assent pid ${server.pid} on 127.0.0.1:${port}\n`);
      if (args.compareFlags) {
        const portB = await freeUdpPort();
        const serverB = await startAssentFor(ctx, scenario, portB, args.compareFlags);
        try {
          await probe(serverB, portB);
        } catch (error) {
          await stopProcess(serverB);
          throw error;
        }
        targets.push({ server: serverB, port: portB });
        process.stderr.write(
          `bench: ${ASSENT_B} (${args.compareFlags.join(' ')}) pid ${serverB.pid} on 127.0.0.1:${portB}\n`,
        );
      }
    } catch (error) {
      notes.push(`Assent not measured: ${(error as Error).message.split('\n').slice(0, 6).join(' | ')}`);
      process.stderr.write(`bench: Assent not measured: ${(error as Error).message}\n`);
    }
  }
  if (ctx.postgres) {
    try {
      const port = await freeUdpPort();
      const server = await startAssentOnPostgres(ctx, ctx.postgres, scenario, port);
      try {
        await probe(server, port);
      } catch (error) {
        await stopProcess(server);
        throw error;
      }
      notes.push(startupNote(server, users));
      targets.push({ server, port, databasePid: ctx.postgres.pid });
      process.stderr.write(
        `bench: ${ASSENT_PG} pid ${server.pid} on 127.0.0.1:${port}, PostgreSQL pid ${ctx.postgres.pid}\n`,
      );
    } catch (error) {
      notes.push(
        `${ASSENT_PG} not measured: ${(error as Error).message.split('\n').slice(0, 6).join(' | ')}`,
      );
      process.stderr.write(`bench: ${ASSENT_PG} not measured: ${(error as Error).message}\n`);
    }
  }
  const results = new Map<string, ServerFigures[]>();
  const flowRounds: FlowFigures[] = [];
  /** Flows each server's first-login pass started, to tell whether a round reached users it did not cover. */
  const primeFlows = new Map<string, number>();
  const record = (f: ServerFigures) => {
    const key = `${f.server}/${f.generator}`;
    results.set(key, [...(results.get(key) ?? []), f]);
    const short = totp ? 'flow' : 'req';
    const db = f.database
      ? `, PostgreSQL ${f.database.cpuUsPerRequest.toFixed(1)} µs CPU/${short} ${Math.round(f.database.cpuPercent)} %`
      : '';
    process.stderr.write(
      `bench:   ${f.server} (${f.generator}): ${Math.round(f.requestsPerSecond)} ${short}/s, ` +
        `${f.serverCpuUsPerRequest.toFixed(1)} µs CPU/${short}, server ${Math.round(f.serverCpuPercent)} %${db}, ` +
        `loadgen ${Math.round(f.loadgenCpuPercent)} %, other ${Math.round(f.otherCpuPercent)} %\n`,
    );
  };
  if (flowShape && args.totpPrime > 0) {
    // Every user's first login costs Assent database reads and unsealing that later logins serve from memory
    // (FreeRADIUS reads its users file at start). The pass is shown on its own row; the rounds after it take
    // users from 0 again, all of whom it covered as long as it ran at least as far as one round goes.
    process.stderr.write(`bench: first-login pass, ${args.totpPrime} s per server\n`);
    const prime = { ...flowShape, warmupSeconds: 0, durationSeconds: args.totpPrime };
    for (const t of targets) {
      await quiet(args.quietWait);
      await waitForFreshStep();
      const f = await measureFlowsWithLoadgen(t.server, t.port, prime, LOADGEN_CPU, t.databasePid);
      record({ ...f, server: `${f.server} (first login)` });
      primeFlows.set(t.server.name, f.usersTaken);
    }
  }
  if (!flowShape && args.papPrime > 0) {
    // The same first-login pass for PAP: users 0… in turn, none seen before by either server.
    process.stderr.write(`bench: first-login pass, ${args.papPrime} s per server\n`);
    const prime = { ...shape, warmupSeconds: 0, durationSeconds: args.papPrime };
    for (const t of targets) {
      await quiet(args.quietWait);
      const f = await measureWithLoadgen(t.server, t.port, prime, LOADGEN_CPU, t.databasePid);
      record({ ...f, server: `${f.server} (first login)` });
      if (f.requestsPerSecond * args.papPrime > users)
        notes.push(
          `${f.server}: the first-login pass went past the last user (raise --users or lower --pap-prime)`,
        );
    }
  }
  // Each server may see a user once per TOTP step, so every server needs a fresh step per round; when the
  // servers' measurements fit in one step together they share it, and are measured seconds apart, not 30 s.
  const perTargetSeconds = args.warmup + args.totpDuration + TARGET_OVERHEAD_SECONDS;
  const shareStep = targets.length * perTargetSeconds <= STEP_BUDGET_SECONDS;
  const pairedPerCore: Record<string, number[]> = {};
  for (let round = 0; round < args.rounds; round++) {
    process.stderr.write(`bench: round ${round + 1}/${args.rounds}\n`);
    // Alternate the order so a drift of the machine does not always favour the same server.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    const thisRound = new Map<string, ServerFigures>();
    for (const [i, t] of order.entries()) {
      await quiet(args.quietWait);
      let f: ServerFigures;
      if (flowShape) {
        if (i === 0 || !shareStep || secondsLeftInStep() < perTargetSeconds) await waitForFreshStep();
        const flows = await measureFlowsWithLoadgen(t.server, t.port, flowShape, LOADGEN_CPU, t.databasePid);
        flowRounds.push(flows);
        f = flows;
      } else f = await measureWithLoadgen(t.server, t.port, shape, LOADGEN_CPU, t.databasePid);
      record(f);
      thisRound.set(f.server, f);
    }
    const fr = thisRound.get('FreeRADIUS');
    for (const name of COMPARED_WITH_FREERADIUS) {
      const as = thisRound.get(name);
      if (fr && as)
        pairedPerCore[name] = [
          ...(pairedPerCore[name] ?? []),
          fr.serverCpuUsPerRequest / cpuUsPerRequestWithDatabase(as),
        ];
    }
  }
  if (args.radblast && !totp) {
    const binary = await ensureRadblast();
    for (const t of targets)
      record(await measureWithRadblast(binary, t.server, t.port, shape, LOADGEN_CPU, t.databasePid));
  }
  if (args.twoCores && ctx.postgres) {
    process.stderr.write('bench: two cores: FreeRADIUS on both, then two Assent nodes on PostgreSQL\n');
    const find = (name: string) => targets.find((t) => t.server.name === name);
    const onPg = find(ASSENT_PG);
    const fr = find('FreeRADIUS');
    try {
      for (const f of await runTwoCores({
        ...(fr ? { freeradius: fr } : {}),
        ...(onPg ? { assentOnPostgres: onPg } : {}),
        postgresPid: ctx.postgres.pid,
        serverCpu: SERVER_CPU,
        startSecondNode: async (cpus) => {
          const port = await freeUdpPort();
          const storageUrl = ctx.postgresData.get(totp ? 'totp' : 'pap')!;
          const file = writeAssentConfig(
            { ...postgresSetup(ctx, scenario, port), storageUrl },
            'assent-node-2.yaml',
          );
          const server = serveAssent(file, cpus, { name: `${ASSENT_PG} node 2`, nodeFlags: [] });
          try {
            await probe(server, port);
          } catch (error) {
            await stopProcess(server);
            throw error;
          }
          return { server, port };
        },
        shape: flowShape ?? shape,
      }))
        record(f);
    } catch (error) {
      notes.push(`two cores not measured: ${(error as Error).message.split('\n').slice(0, 6).join(' | ')}`);
      process.stderr.write(`bench: two cores not measured: ${(error as Error).message}\n`);
    }
  }
  for (const t of targets) await stopProcess(t.server);
  const rows = [...results.values()].map(medianFigures);
  for (const row of rows) {
    const who = `${row.server} (${row.generator})`;
    // Two generators share two cores with the servers in the two-core rows: their sum may pass 80 %.
    if (row.loadgenCpuPercent > 80 && !row.server.includes('2 cores'))
      notes.push(`${who}: generator above 80 % of its core, it may be the limit`);
    if (row.otherCpuPercent > 10)
      notes.push(
        `${who}: other processes used ${Math.round(row.otherCpuPercent)} % of a core: noisy machine`,
      );
    if (row.timeouts > 0 || row.bad > 0)
      notes.push(`${who}: ${row.timeouts} timeouts, ${row.bad} bad replies`);
    // A core that idles between replies wakes up for fewer datagrams at a time, so its CPU per login is higher
    // than what the same core does when busy, which is what the per-core targets are about.
    const busy = row.serverCpuPercent + (row.database?.cpuPercent ?? 0);
    if (busy < 85 && !row.server.includes('first login'))
      notes.push(
        `${who}: its core was only ${Math.round(busy)} % busy${row.database ? ' (with PostgreSQL)' : ''}, so its CPU per ${unit} ` +
          `includes idle wake-ups; raise ${totp ? '--totp-window' : '--window'}`,
      );
  }
  const frTwo = rows.find((r) => r.server === FREERADIUS_TWO_CORES);
  const assentTwo = rows.find((r) => r.server === ASSENT_TWO_NODES);
  if (frTwo && assentTwo)
    notes.push(
      `two cores: ${ASSENT_TWO_NODES}/${FREERADIUS_TWO_CORES}: ${(assentTwo.requestsPerSecond / frTwo.requestsPerSecond).toFixed(2)}× ` +
        `${unit}s/s, ${(frTwo.serverCpuUsPerRequest / cpuUsPerRequestWithDatabase(assentTwo)).toFixed(2)}× ${unit}s per ` +
        'CPU-second (both nodes and PostgreSQL against FreeRADIUS; the generators shared the two cores with them)',
    );
  for (const f of flowRounds) {
    const primed = primeFlows.get(f.server);
    if (primed !== undefined && f.usersTaken > primed)
      notes.push(`${f.server}: a round went past the users of the first-login pass; raise --totp-prime`);
    if (f.rejected > 0 || f.unexpected > 0)
      notes.push(
        `${f.server}: ${f.rejected} flows rejected, ${f.unexpected} unexpected replies in one round`,
      );
    if (f.stoppedBy === 'users-exhausted')
      notes.push(`${f.server}: every user logged in during one 30 s step; raise --totp-users`);
  }
  return {
    machine: ctx.machine,
    freeradiusVersion: ctx.frVersion,
    scenario:
      `${describeScenario(scenario)}; ${users} users, window ${window} over ${args.sockets} sockets, ` +
      `${args.warmup} s warm-up + ${duration} s measured, ${args.rounds} round(s) (medians); servers on CPU ` +
      `${SERVER_CPU}${ctx.postgres ? ' (PostgreSQL too)' : ''}, generator on CPU ${LOADGEN_CPU}.`,
    unit,
    target: TARGET_RATIO[scenario],
    rows,
    pairedPerCore,
    argon2: undefined,
    notes,
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs();
  if (os.availableParallelism() < 2)
    throw new Error('the benchmark needs 2 CPUs: one for the servers, one for the generator');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assent-bench-'));
  if (args.keep) keepOutputIn(dir);
  const removeDir = () => {
    if (args.keep) process.stderr.write(`bench: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
  addCleanup(removeDir);
  let postgres: BenchPostgres | undefined;
  const postgresData = new Map<'pap' | 'totp', string>();
  try {
    if (args.postgres) {
      postgres = await startBenchPostgres(SERVER_CPU);
      process.stderr.write(`bench: PostgreSQL pid ${postgres.pid}, pinned to CPU ${SERVER_CPU}\n`);
    }
    const ctx: RunContext = {
      args,
      machine: machineInfo(),
      frVersion: await freeRadiusVersion(),
      dir,
      secret: randomBytes(12).toString('base64url'),
      totpSeed: randomBytes(32),
      ...(postgres ? { postgres } : {}),
      postgresData,
    };
    const reports: Report[] = [];
    for (const scenario of args.scenarios) reports.push(await runScenario(ctx, scenario));
    let apiBlock: string | undefined;
    if (
      args.api &&
      args.servers.assent &&
      ctx.assentTotpPrepared &&
      args.scenarios.includes('pap-totp-suffix')
    ) {
      await quiet(args.quietWait);
      process.stderr.write('bench: REST API, POST /api/v1/auth/\n');
      try {
        const api = await measureApiAuth({
          dataDir: path.join(ctx.dir, 'assent-totp'),
          radiusPort: await freeUdpPort(),
          secret: ctx.secret,
          usersCsv: userFiles(ctx, true).assentCsv,
          totpSeed: ctx.totpSeed,
          users: args.totpUsers,
          window: args.apiWindow,
          warmupSeconds: args.warmup,
          durationSeconds: args.totpDuration,
        });
        const suffix = reports.find((r) => r.scenario.startsWith('pap-totp-suffix'));
        const radius = suffix?.rows.find((r) => r.server === 'Assent');
        apiBlock = formatApiAuth(api, radius, args.apiWindow);
      } catch (error) {
        apiBlock = `REST API not measured: ${(error as Error).message.split('\n').slice(0, 6).join(' | ')}`;
      }
    }
    if (args.argon2) {
      await quiet(args.quietWait);
      const last = reports.pop();
      if (last) reports.push({ ...last, argon2: await measureArgon2id(3) });
    }
    for (const report of reports) {
      process.stdout.write(`\n${formatText(report)}\n`);
      if (args.markdown) process.stdout.write(`\n${formatMarkdown(report)}\n`);
    }
    if (apiBlock !== undefined) process.stdout.write(`\n${apiBlock}\n`);
  } finally {
    for (const url of postgresData.values()) await reportStatements(url).catch(() => {});
    await stopAll();
    await postgres?.stop();
    removeDir();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
