// Owns the result of a TOTP flow run (suffix or challenge): what was counted, and its one-screen text form.
import type { LatencySummary } from './latency-histogram.js';
import type { StopReason } from './load-result.js';

/** How the second factor travels: one request (password ‖ code) or two (password, then State + code). */
export const TotpFlow = { Suffix: 'suffix', Challenge: 'challenge' } as const;
export type TotpFlow = (typeof TotpFlow)[keyof typeof TotpFlow];

/**
 * Why sending stopped. `users-exhausted`: every user already logged in during the current 30 s step, and a
 * server with a replay guard (SECURITY.md A6.4) would refuse a second login with the same step's code.
 */
export type FlowStopReason = StopReason | 'users-exhausted';

/** Outcomes of flows that ended inside the measured interval. */
export interface FlowCounts {
  /** Flows that ended with an Access-Accept where the flow expects it. */
  readonly completed: number;
  /** Access-Reject to the request with the password (challenge flow), or to the one request (suffix). */
  readonly rejectedPassword: number;
  /** Access-Reject, or a new Access-Challenge, to the request with the State and the code (challenge flow). */
  readonly rejectedCode: number;
  /** A verified reply the flow does not expect here (an Accept instead of a Challenge, a Challenge without State). */
  readonly unexpected: number;
  /** No verified reply after the last retransmission. */
  readonly timeout: number;
  /** Replies that did not parse or whose authenticators did not verify. */
  readonly bad: number;
  /** Replies that matched no request in flight (late duplicates after a retransmission, for example). */
  readonly stray: number;
}

/** What one flow run measured. Counts and latencies cover the measured interval only (after the warm-up). */
export interface FlowLoadResult {
  readonly target: string;
  readonly flow: TotpFlow;
  readonly users: number;
  readonly window: number;
  readonly sockets: number;
  readonly warmupSeconds: number;
  readonly measuredSeconds: number;
  readonly stoppedBy: FlowStopReason;
  /** Completed flows per second. */
  readonly flowsPerSecond: number;
  /** Verified replies per second (2 per completed challenge flow, 1 per suffix flow). */
  readonly roundTripsPerSecond: number;
  readonly roundTrips: number;
  readonly counts: FlowCounts;
  /** Over the whole run, warm-up included. */
  readonly totals: {
    readonly flows: number;
    readonly packetsSent: number;
    readonly retransmissions: number;
    readonly socketErrors: number;
  };
  /** From the first send of a flow's first request to the verified reply that ends it. */
  readonly latency: LatencySummary;
  /** This process's CPU time (user + system) over the measured interval, in % of one core. */
  readonly loadgenCpuPercent: number;
  /** The user the next flow would have taken: pass it as `firstUser` to go on without reusing users. */
  readonly nextUser: number;
}

function ms(us: number): string {
  return (us / 1000).toFixed(us < 10_000 ? 2 : 1);
}

/** A short human-readable report, one fact per line. */
export function formatFlowResult(r: FlowLoadResult): string {
  const c = r.counts;
  const l = r.latency;
  return [
    `target        ${r.target}  flow=${r.flow} users=${r.users} window=${r.window} sockets=${r.sockets}`,
    `measured      ${r.measuredSeconds.toFixed(2)} s after ${r.warmupSeconds} s warm-up, stopped by ${r.stoppedBy}`,
    `flows/s       ${Math.round(r.flowsPerSecond)}  (round trips/s ${Math.round(r.roundTripsPerSecond)})`,
    `flows         completed=${c.completed} rejected-password=${c.rejectedPassword} rejected-code=${c.rejectedCode} ` +
      `unexpected=${c.unexpected}`,
    `failures      timeout=${c.timeout} bad=${c.bad} stray=${c.stray} socket-errors=${r.totals.socketErrors}`,
    `latency ms    p50=${ms(l.p50Us)} p90=${ms(l.p90Us)} p99=${ms(l.p99Us)} max=${ms(l.maxUs)} (n=${l.count})`,
    `loadgen CPU   ${Math.round(r.loadgenCpuPercent)} % of one core`,
  ].join('\n');
}
