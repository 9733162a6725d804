// Owns the result of a TOTP flow run (suffix or challenge): what was counted, and its one-screen text form.
import type { LoadOptions } from './load-options.js';
import {
  type FailureCounts,
  failuresOf,
  type MeasuredRun,
  measuredLines,
  ms,
  type PacketTotals,
  packetTotalsOf,
  perSecond,
  type StopReason,
  targetOf,
} from './load-result.js';
import type { SlotTally } from './slot-engine.js';

/** How the second factor travels: one request (password ‖ code) or two (password, then State + code). */
export const TotpFlow = { Suffix: 'suffix', Challenge: 'challenge' } as const;
export type TotpFlow = (typeof TotpFlow)[keyof typeof TotpFlow];

/** How a flow ended after a verified reply: the outcomes the flow slots give the engine. */
export const FlowOutcome = { Completed: 0, RejectedPassword: 1, RejectedCode: 2, Unexpected: 3 } as const;

/**
 * Why sending stopped. `users-exhausted`: every user already logged in during the current 30 s step, and a
 * server with a replay guard (docs/security.md A6.4) would refuse a second login with the same step's code.
 */
export type FlowStopReason = StopReason | 'users-exhausted';

/** Outcomes of flows that ended inside the measured interval. */
export interface FlowCounts extends FailureCounts {
  /** Flows that ended with an Access-Accept where the flow expects it. */
  readonly completed: number;
  /** Access-Reject to the request with the password (challenge flow), or to the one request (suffix). */
  readonly rejectedPassword: number;
  /** Access-Reject, or a new Access-Challenge, to the request with the State and the code (challenge flow). */
  readonly rejectedCode: number;
  /** A verified reply the flow does not expect here (an Accept instead of a Challenge, a Challenge without State). */
  readonly unexpected: number;
}

/** What one flow run measured; latency runs to the reply that completes a flow. */
export interface FlowLoadResult extends MeasuredRun<FlowStopReason> {
  readonly flow: TotpFlow;
  /** Completed flows per second. */
  readonly flowsPerSecond: number;
  /** Verified replies per second (2 per completed challenge flow, 1 per suffix flow). */
  readonly roundTripsPerSecond: number;
  readonly roundTrips: number;
  readonly counts: FlowCounts;
  readonly totals: PacketTotals & { readonly flows: number };
  /** The user the next flow would have taken: pass it as `firstUser` to go on without reusing users. */
  readonly nextUser: number;
}

/** A flow run's result from what the engine counted, its outcomes being `FlowOutcome`s. */
export function flowResultOf(
  o: LoadOptions,
  flow: TotpFlow,
  t: SlotTally<'users-exhausted'>,
  nextUser: number,
): FlowLoadResult {
  const v = t.outcomes;
  return {
    target: targetOf(o),
    flow,
    users: o.users,
    window: o.window,
    sockets: o.sockets,
    warmupSeconds: o.warmupSeconds,
    measuredSeconds: t.measuredSeconds,
    stoppedBy: t.stoppedBy,
    flowsPerSecond: perSecond(v[FlowOutcome.Completed]!, t),
    roundTripsPerSecond: perSecond(t.roundTrips, t),
    roundTrips: t.roundTrips,
    counts: {
      completed: v[FlowOutcome.Completed]!,
      rejectedPassword: v[FlowOutcome.RejectedPassword]!,
      rejectedCode: v[FlowOutcome.RejectedCode]!,
      unexpected: v[FlowOutcome.Unexpected]!,
      ...failuresOf(t),
    },
    totals: { flows: t.started, ...packetTotalsOf(t) },
    latency: t.latency,
    loadgenCpuPercent: t.loadgenCpuPercent,
    nextUser,
  };
}

/** A short human-readable report, one fact per line. */
export function formatFlowResult(r: FlowLoadResult): string {
  const c = r.counts;
  const l = r.latency;
  const [measured, failures] = measuredLines(r);
  return [
    `target        ${r.target}  flow=${r.flow} users=${r.users} window=${r.window} sockets=${r.sockets}`,
    measured,
    `flows/s       ${Math.round(r.flowsPerSecond)}  (round trips/s ${Math.round(r.roundTripsPerSecond)})`,
    `flows         completed=${c.completed} rejected-password=${c.rejectedPassword} rejected-code=${c.rejectedCode} ` +
      `unexpected=${c.unexpected}`,
    failures,
    `latency ms    p50=${ms(l.p50Us)} p90=${ms(l.p90Us)} p99=${ms(l.p99Us)} max=${ms(l.maxUs)} (n=${l.count})`,
    `loadgen CPU   ${Math.round(r.loadgenCpuPercent)} % of one core`,
  ].join('\n');
}
