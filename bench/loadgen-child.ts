// Owns the benchmark's generator process: one run (PAP or a TOTP flow), server CPU sampled at its edges.
// Usage (by bench/measure.ts): taskset -c 0 node --import tsx bench/loadgen-child.ts '<json LoadgenChildInput>'
import { runTotpFlowLoad } from '../src/loadgen/challenge-flow.js';
import type { FlowLoadResult, TotpFlow } from '../src/loadgen/flow-result.js';
import type { LoadResult } from '../src/loadgen/load-result.js';
import { runRadiusLoad } from '../src/loadgen/run-radius-load.js';
import type { LoadShape } from './measure.js';
import {
  type MachineTicks,
  machineCpuTicks,
  processCpuTicks,
  processMinorFaults,
  processTreeCpuTicks,
} from './proc-stat.js';

/** What bench/measure.ts passes in argv[2]. */
export interface LoadgenChildInput extends LoadShape {
  readonly port: number;
  readonly serverPid: number;
  /** More server processes whose CPU counts as the server's (the second node of `--two-cores`). */
  readonly moreServerPids?: readonly number[];
  /** TOTP flows: the first user to log in (a second generator of one run starts where the first cannot reach). */
  readonly firstUser?: number;
  /** The server's database (PostgreSQL's postmaster): its process tree's CPU is sampled at the same edges. */
  readonly databasePid?: number;
  /** For the TOTP scenarios: the flow, and the key seed in hex. Without it, PAP requests. */
  readonly totp?: { readonly flow: TotpFlow; readonly keySeedHex: string };
}

/** What it prints as one JSON line; `R` is `FlowLoadResult` when the input named a flow. */
export interface LoadgenChildOutput<R extends LoadResult | FlowLoadResult = LoadResult | FlowLoadResult> {
  readonly result: R;
  /** Server utime+stime over the measured interval, in clock ticks. */
  readonly serverTicks: number;
  /** Minor page faults the server took over the measured interval. */
  readonly serverFaults?: number;
  /** CPU of the database's process tree over the measured interval, in clock ticks (with `databasePid`). */
  readonly databaseTicks?: number;
  /** Machine-wide busy and total ticks over the measured interval. */
  readonly machine: MachineTicks;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as LoadgenChildInput;
  // The samples are taken inside the generator's own measure hooks, so they frame exactly the counted interval.
  let server0 = 0;
  let server1 = 0;
  let database0 = 0;
  let database1 = 0;
  const database = input.databasePid;
  let faults0 = 0;
  let faults1 = 0;
  const serverFaults = () => {
    let faults = processMinorFaults(input.serverPid);
    for (const pid of input.moreServerPids ?? []) faults += processMinorFaults(pid);
    return faults;
  };
  const serverTicks = () => {
    let ticks = processCpuTicks(input.serverPid);
    for (const pid of input.moreServerPids ?? []) ticks += processCpuTicks(pid);
    return ticks;
  };
  let machine0: MachineTicks = { busy: 0, total: 0 };
  let machine1: MachineTicks = { busy: 0, total: 0 };
  const options = {
    port: input.port,
    secret: input.secret,
    users: input.users,
    userFormat: input.userFormat,
    passwordFormat: input.passwordFormat,
    window: input.window,
    sockets: input.sockets,
    durationSeconds: input.durationSeconds,
    warmupSeconds: input.warmupSeconds,
    messageAuthenticator: true,
    timeoutMs: 1000,
    onMeasureStart: () => {
      server0 = serverTicks();
      faults0 = serverFaults();
      if (database !== undefined) database0 = processTreeCpuTicks(database);
      machine0 = machineCpuTicks();
    },
    onMeasureEnd: () => {
      server1 = serverTicks();
      faults1 = serverFaults();
      if (database !== undefined) database1 = processTreeCpuTicks(database);
      machine1 = machineCpuTicks();
    },
  };
  const totp = input.totp;
  const result = totp
    ? await runTotpFlowLoad({
        ...options,
        flow: totp.flow,
        keySeed: Buffer.from(totp.keySeedHex, 'hex'),
        ...(input.firstUser === undefined ? {} : { firstUser: input.firstUser }),
      })
    : await runRadiusLoad(options);
  const output: LoadgenChildOutput = {
    result,
    serverTicks: server1 - server0,
    serverFaults: faults1 - faults0,
    ...(database === undefined ? {} : { databaseTicks: database1 - database0 }),
    machine: { busy: machine1.busy - machine0.busy, total: machine1.total - machine0.total },
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

await main();
