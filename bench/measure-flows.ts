// Owns one measurement of a TOTP scenario: the flow generator pinned to its core, turned into table figures.
import { runTotpFlowLoad } from '../src/loadgen/challenge-flow.js';
import type { FlowLoadResult, TotpFlow } from '../src/loadgen/flow-result.js';
import { TOTP_PERIOD_SECONDS } from '../src/loadgen/totp-keys.js';
import type { Started } from './child-processes.js';
import {
  type LoadShape,
  probeOptions,
  runLoadgenChild,
  type ServerFigures,
  serverFigures,
  waitUntilReady,
} from './measure.js';

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

/** Seconds until the current 30 s TOTP step ends. */
export function secondsLeftInStep(): number {
  const periodMs = TOTP_PERIOD_SECONDS * 1000;
  return (periodMs - (Date.now() % periodMs)) / 1000;
}

/**
 * Runs the generator in its own process pinned to `cpus` against `server`: TOTP flows from user 0. With
 * `databasePid` (PostgreSQL's postmaster), the database's CPU is sampled at the same edges as the server's.
 */
export async function measureFlowsWithLoadgen(
  server: Started,
  port: number,
  shape: FlowShape,
  cpus: string,
  databasePid?: number,
): Promise<FlowFigures> {
  const totp = { flow: shape.flow, keySeedHex: shape.keySeedHex };
  const out = await runLoadgenChild<FlowLoadResult>(
    { ...shape, port, serverPid: server.pid, totp, ...(databasePid === undefined ? {} : { databasePid }) },
    cpus,
  );
  const r = out.result;
  return {
    ...serverFigures(server, out, r.counts.completed, r.flowsPerSecond),
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
  let freshStepTried = false;
  await waitUntilReady(server, timeoutMs, async () => {
    const probe = await runTotpFlowLoad({
      ...probeOptions(port, shape, 3),
      flow: shape.flow,
      keySeed: Buffer.from(shape.keySeedHex, 'hex'),
    });
    const c = probe.counts;
    if (c.completed === 1) return true;
    if (c.rejectedCode > 0 && !freshStepTried) {
      // An earlier probe that timed out may still have used user 0's code of this step: a replay now.
      freshStepTried = true;
      await waitForFreshStep();
      return false;
    }
    if (c.rejectedPassword + c.rejectedCode + c.unexpected + c.bad > 0) {
      throw new Error(
        `${server.name} did not complete a ${shape.flow} flow (rejected at password ${c.rejectedPassword}, ` +
          `at code ${c.rejectedCode}, unexpected ${c.unexpected}, bad ${c.bad}):\n${server.output().slice(-4000)}`,
      );
    }
    return false;
  });
}
