// Owns the generator process of the TOTP scenarios: one flow run, with the server's CPU sampled at its edges.
// Usage (by bench/measure-flows.ts): taskset -c 0 node --import tsx bench/flow-loadgen-child.ts '<json input>'
import { runTotpFlowLoad } from '../src/loadgen/challenge-flow.js';
import type { FlowLoadResult, TotpFlow } from '../src/loadgen/flow-result.js';
import type { LoadShape } from './measure.js';
import { type MachineTicks, machineCpuTicks, processCpuTicks } from './proc-stat.js';

/** What bench/measure-flows.ts passes in argv[2]. */
export interface FlowChildInput extends LoadShape {
  readonly port: number;
  readonly serverPid: number;
  readonly flow: TotpFlow;
  /** The TOTP key seed, hex. */
  readonly keySeedHex: string;
  readonly firstUser: number;
}

/** What it prints as one JSON line. */
export interface FlowChildOutput {
  readonly flowResult: FlowLoadResult;
  /** Server utime+stime over the measured interval, in clock ticks. */
  readonly serverTicks: number;
  /** Machine-wide busy and total ticks over the measured interval. */
  readonly machine: MachineTicks;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as FlowChildInput;
  let server0 = 0;
  let server1 = 0;
  let machine0: MachineTicks = { busy: 0, total: 0 };
  let machine1: MachineTicks = { busy: 0, total: 0 };
  const result = await runTotpFlowLoad({
    port: input.port,
    secret: input.secret,
    flow: input.flow,
    keySeed: Buffer.from(input.keySeedHex, 'hex'),
    firstUser: input.firstUser,
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
      server0 = processCpuTicks(input.serverPid);
      machine0 = machineCpuTicks();
    },
    onMeasureEnd: () => {
      server1 = processCpuTicks(input.serverPid);
      machine1 = machineCpuTicks();
    },
  });
  const output: FlowChildOutput = {
    flowResult: result,
    serverTicks: server1 - server0,
    machine: { busy: machine1.busy - machine0.busy, total: machine1.total - machine0.total },
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

await main();
