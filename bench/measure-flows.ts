// Owns one measurement of a TOTP scenario: the flow generator pinned to its core, turned into table figures.
import path from 'node:path';
import { runTotpFlowLoad } from '../src/loadgen/challenge-flow.js';
import type { FlowLoadResult, TotpFlow } from '../src/loadgen/flow-result.js';
import { TOTP_PERIOD_SECONDS } from '../src/loadgen/totp-keys.js';
import { runToEnd, type Started } from './child-processes.js';
import type { FlowChildInput, FlowChildOutput } from './flow-loadgen-child.js';
import type { LoadShape, ServerFigures } from './measure.js';
import { clockTicksPerSecond } from './proc-stat.js';

const REPO = path.resolve(import.meta.dirname, '..');
/** Start this long after a step boundary, so a request sent in the last step cannot arrive in the new one. */
const STEP_MARGIN_MS = 300;

/** A shape plus what the flow generator needs. */
export interface FlowShape extends LoadShape {
  readonly flow: TotpFlow;
  readonly keySeedHex: string;
}

/** The table figures (flows/s in `requestsPerSecond`, CPU µs per completed flow) and what did not complete. */
export interface FlowFigures extends ServerFigures {
  readonly rejected: number;
  readonly unexpected: number;
  readonly stoppedBy: FlowLoadResult['stoppedBy'];
  /** Flows started, warm-up included: users 0…usersTaken-1 logged in during this run. */
  readonly usersTaken: number;
}

/**
 * Waits for the start of the next 30 s TOTP step. Every measurement then begins in a step no earlier run
 * used, so a server's replay guard never sees a user twice in one step as long as users ≥ rate × run time;
 * and FreeRADIUS 3.2.1's rlm_totp, which accepts the current step only, sees no boundary inside a run.
 */
export async function waitForFreshStep(): Promise<void> {
  const periodMs = TOTP_PERIOD_SECONDS * 1000;
  const wait = periodMs - (Date.now() % periodMs) + STEP_MARGIN_MS;
  await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Runs the flow generator in its own process pinned to `cpus` against `server`. */
export async function measureFlowsWithLoadgen(
  server: Started,
  port: number,
  shape: FlowShape,
  cpus: string,
): Promise<FlowFigures> {
  const input: FlowChildInput = { ...shape, port, serverPid: server.pid, firstUser: 0 };
  const run = await runToEnd(
    'taskset',
    ['-c', cpus, process.execPath, '--import', 'tsx', path.join(REPO, 'bench/flow-loadgen-child.ts')].concat(
      JSON.stringify(input),
    ),
    { cwd: REPO, timeoutMs: (shape.durationSeconds + shape.warmupSeconds + 60) * 1000 },
  );
  const line = run.output.split('\n').find((l) => l.startsWith('{"flowResult"'));
  if (run.code !== 0 || line === undefined)
    throw new Error(`flow generator failed:\n${run.output.slice(-4000)}`);
  const out = JSON.parse(line) as FlowChildOutput;
  const r = out.flowResult;
  const hz = clockTicksPerSecond();
  const n = r.counts.completed;
  const seconds = r.measuredSeconds;
  const loadgenTicks = (r.loadgenCpuPercent / 100) * seconds * hz;
  return {
    server: server.name,
    generator: 'assent bench radius',
    requestsPerSecond: r.flowsPerSecond,
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
    rejected: r.counts.rejectedPassword + r.counts.rejectedCode,
    unexpected: r.counts.unexpected,
    stoppedBy: r.stoppedBy,
    usersTaken: r.totals.flows,
  };
}

/**
 * Waits until `server` completes one flow for user 0 (it may still be loading users).
 * @throws Error with the server's output when it exits, refuses the flow, or does not answer in time
 */
export async function waitUntilFlowCompletes(
  server: Started,
  port: number,
  shape: FlowShape,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let freshStepTried = false;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      throw new Error(`${server.name} exited during start:\n${server.output().slice(-4000)}`);
    const probe = await runTotpFlowLoad({
      port,
      secret: shape.secret,
      flow: shape.flow,
      keySeed: Buffer.from(shape.keySeedHex, 'hex'),
      users: 1,
      userFormat: shape.userFormat,
      passwordFormat: shape.passwordFormat,
      window: 1,
      sockets: 1,
      durationSeconds: 3,
      warmupSeconds: 0,
      maxRequests: 1,
      timeoutMs: 250,
      retries: 3,
    });
    const c = probe.counts;
    if (c.completed === 1) return;
    if (c.rejectedCode > 0 && !freshStepTried) {
      // An earlier probe that timed out may still have used user 0's code of this step: a replay now.
      freshStepTried = true;
      await waitForFreshStep();
      continue;
    }
    if (c.rejectedPassword + c.rejectedCode + c.unexpected + c.bad > 0) {
      throw new Error(
        `${server.name} did not complete a ${shape.flow} flow (rejected at password ${c.rejectedPassword}, ` +
          `at code ${c.rejectedCode}, unexpected ${c.unexpected}, bad ${c.bad}):\n${server.output().slice(-4000)}`,
      );
    }
  }
  throw new Error(
    `${server.name} did not answer within ${timeoutMs / 1000} s:\n${server.output().slice(-4000)}`,
  );
}
