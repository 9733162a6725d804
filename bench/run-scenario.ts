// Owns one scenario of `npm run bench`: its servers, first-login pass, rounds, two-core rows, and its report.

import { TotpFlow } from '../src/loadgen/flow-result.js';
import { batchUnavailableReason, udpBatchAddon } from '../src/radius-server/batch-udp-socket.js';
import { serveAssent, writeAssentConfig } from './assent-server.js';
import { LOADGEN_CPU, SERVER_CPU } from './bench-args.js';
import { PASSWORD_FORMAT, USER_FORMAT } from './bench-users.js';
import { answering, briefly, freeUdpPort, type Started, stopProcess } from './child-processes.js';
import { runFirstLoginPass, slicedRatioNotes } from './first-login-slices.js';
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
import { quiet } from './proc-stat.js';
import { ensureRadblast, measureWithRadblast } from './radblast.js';
import { ASSENT_PG, COMPARED_WITH_FREERADIUS, medianFigures, type Report } from './report.js';
import { postgresSetup, type RunContext } from './run-context.js';
import { describeScenario, type Scenario, usesTotp } from './scenario.js';
import { addResultNotes } from './scenario-notes.js';
import { startTargets, type Target } from './start-targets.js';
import { runTwoCores } from './two-cores.js';

/** Seconds a measurement takes beyond warm-up and measured time (generator start, CPU readings). */
const TARGET_OVERHEAD_SECONDS = 1.5;
/** What of a 30 s TOTP step measurements may use: the start margin and slack for a slow start stay free. */
const STEP_BUDGET_SECONDS = 27;

const TARGET_RATIO: Readonly<Record<Scenario, number>> = {
  pap: 1,
  'pap-totp-suffix': 1,
  'challenge-totp': 1.5,
};

/** Measures `scenario` on every server the run asks for and returns its report (rows are medians of rounds). */
export async function runScenario(ctx: RunContext, scenario: Scenario): Promise<Report> {
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
    udpBatchAddon() === null
      ? `Assent answers through Node's dgram: ${batchUnavailableReason()} (batched, it takes a fifth to two fifths less CPU per login).`
      : 'Assent reads and answers in batches (radius.udpBatching: native/udp-batch.c, recvmmsg and sendmmsg), as it does by default where the addon is built.',
  ];
  const targets = await startTargets(ctx, scenario, probe, notes);
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
    const faults =
      f.serverFaultsPerRequest === undefined
        ? ''
        : `, ${(f.serverFaultsPerRequest * 1000).toFixed(0)} page faults per 1,000 ${short}s`;
    process.stderr.write(
      `bench:   ${f.server} (${f.generator}): ${Math.round(f.requestsPerSecond)} ${short}/s, ` +
        `${f.serverCpuUsPerRequest.toFixed(1)} µs CPU/${short}, server ${Math.round(f.serverCpuPercent)} %${db}${faults}, ` +
        `loadgen ${Math.round(f.loadgenCpuPercent)} %, other ${Math.round(f.otherCpuPercent)} %\n`,
    );
  };
  /** A first-login pass of `seconds` per server, in the slices the run asks for (bench/first-login-slices.ts). */
  const passOf = (flows: FlowShape, seconds: number, rowSuffix: string) => ({
    targets,
    shape: flows,
    seconds,
    slices: args.firstSlices,
    warmupSeconds: args.sliceWarmup,
    users,
    quietWait: args.quietWait,
    rowSuffix,
    record,
  });
  if (flowShape && args.totpPrime > 0) {
    // Users neither server has seen since it started: Assent reads them from its login index (or, with
    // `storage.loginIndex: lazy`, from the database), and marks each token's first accepted step in the replay
    // guard's table. The pass is shown on its own rows; the rounds after it take users from 0 again, all of whom
    // it covered as long as it ran at least as far as one round goes.
    process.stderr.write(
      `bench: first-login pass, ${args.totpPrime} s per server in ${args.firstSlices} slice(s)\n`,
    );
    const pass = await runFirstLoginPass({
      ...passOf(flowShape, args.totpPrime, ' (first login)'),
      startUser: () => 0,
    });
    for (const [name, next] of pass.nextUser) primeFlows.set(name, next);
    notes.push(...slicedRatioNotes('first logins', pass.paired));
    if (pass.endedEarly)
      notes.push(
        `first-login pass ended early (${pass.endedEarly}): raise --totp-users or lower --totp-prime`,
      );
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
  if (flowShape && args.lateFirst > 0) {
    // First logins again, on servers that have answered for a minute: their code compiled, the garbage of their
    // start collected. A morning rush meets a server started hours before; the pass above meets one just up.
    process.stderr.write(
      `bench: late first-login pass, ${args.lateFirst} s per server in ${args.firstSlices} slice(s)\n`,
    );
    const lateTargets: { target: Target; firstUser: number; seconds: number }[] = [];
    for (const t of targets) {
      const name = t.server.name;
      const mine = flowRounds.filter((f) => f.server === name);
      const firstUser = Math.max(primeFlows.get(name) ?? 0, ...mine.map((f) => f.usersTaken));
      // The generator wraps to user 0 (seen) at the end: run only as long as the fastest rate so far leaves unseen.
      const fastest = Math.max(1, ...mine.map((f) => f.requestsPerSecond));
      // Each slice's warm-up takes unseen users too.
      const seconds = Math.min(
        args.lateFirst,
        Math.floor((0.8 * (users - firstUser)) / fastest - args.firstSlices * args.sliceWarmup),
      );
      if (seconds < 2) {
        notes.push(`${name}: no late first-login pass, too few users left; raise --totp-users`);
        continue;
      }
      lateTargets.push({ target: t, firstUser, seconds });
    }
    // One pass over the servers that have users left, as long as the shortest of them allows.
    if (lateTargets.length > 0) {
      const seconds = Math.min(...lateTargets.map((l) => l.seconds));
      const pass = await runFirstLoginPass({
        ...passOf(flowShape, seconds, ' (first login, late)'),
        targets: lateTargets.map((l) => l.target),
        startUser: (name) => lateTargets.find((l) => l.target.server.name === name)!.firstUser,
      });
      notes.push(...slicedRatioNotes('late first logins', pass.paired));
      if (pass.endedEarly) notes.push(`late first-login pass ended early (${pass.endedEarly})`);
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
          const started = serveAssent(file, cpus, { name: `${ASSENT_PG} node 2`, nodeFlags: [] });
          return { server: await answering(started, port, probe), port };
        },
        shape: flowShape ?? shape,
      }))
        record(f);
    } catch (error) {
      notes.push(`two cores not measured: ${briefly(error)}`);
      process.stderr.write(`bench: two cores not measured: ${(error as Error).message}\n`);
    }
  }
  for (const t of targets) await stopProcess(t.server);
  const rows = [...results.values()].map(medianFigures);
  addResultNotes(notes, rows, flowRounds, primeFlows, unit);
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
