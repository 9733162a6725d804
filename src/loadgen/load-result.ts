// Owns the load generator's results: the fields every run reports, the PAP run's result, their text form.
import { ReplyVerdict } from './access-request-builder.js';
import type { LatencySummary } from './latency-histogram.js';
import type { LoadOptions } from './load-options.js';
import type { SlotTally } from './slot-engine.js';

/** Why sending stopped. */
export type StopReason = 'duration' | 'max-requests' | 'aborted';

/** Failures every run counts alike, inside the measured interval. */
export interface FailureCounts {
  /** No verified reply after the last retransmission. */
  readonly timeout: number;
  /** Replies whose Response Authenticator or Message-Authenticator did not verify, or that did not parse. */
  readonly bad: number;
  /** Replies that matched no request in flight (late duplicates after a retransmission, for example). */
  readonly stray: number;
}

/** Outcomes of requests answered (or given up) inside the measured interval. */
export interface LoadCounts extends FailureCounts {
  readonly accept: number;
  readonly reject: number;
  readonly challenge: number;
  /** A verified reply with any other code. */
  readonly other: number;
}

/** Over the whole run, warm-up included. */
export interface PacketTotals {
  readonly packetsSent: number;
  readonly retransmissions: number;
  /** Errors reported on the sockets (a send the kernel refused, for example). */
  readonly socketErrors: number;
}

/** What every run reports. Counts and latencies cover the measured interval only (after the warm-up). */
export interface MeasuredRun<Stop extends string = StopReason> {
  readonly target: string;
  readonly users: number;
  readonly window: number;
  readonly sockets: number;
  readonly warmupSeconds: number;
  /** Length of the measured interval: up to the duration, or until the last reply when capped by count. */
  readonly measuredSeconds: number;
  readonly stoppedBy: Stop;
  readonly counts: FailureCounts;
  /** From the first send of a request (or a flow's first request) to the verified reply that ends it. */
  readonly latency: LatencySummary;
  /** This process's CPU time (user + system) over the measured interval, in % of one core. */
  readonly loadgenCpuPercent: number;
}

/** What one PAP run measured. */
export interface LoadResult extends MeasuredRun {
  readonly messageAuthenticator: boolean;
  /** Verified replies per second in the measured interval. */
  readonly requestsPerSecond: number;
  readonly counts: LoadCounts;
  readonly totals: PacketTotals & {
    readonly requests: number;
    /** Verified replies that carried a Message-Authenticator. */
    readonly repliesWithMessageAuthenticator: number;
  };
}

/** The target as `host:port`, IPv6 in brackets. */
export function targetOf(o: LoadOptions): string {
  return o.family === 'udp6' ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
}

/** `count` per measured second, 0 for an empty interval. */
export function perSecond(count: number, t: SlotTally<string>): number {
  return t.measuredSeconds > 0 ? count / t.measuredSeconds : 0;
}

/** The failures the engine counted, as every result reports them. */
export function failuresOf(t: SlotTally<string>): FailureCounts {
  return { timeout: t.timeouts, bad: t.bad, stray: t.stray };
}

/** The packet totals the engine counted, as every result reports them. */
export function packetTotalsOf(t: SlotTally<string>): PacketTotals {
  return { packetsSent: t.packetsSent, retransmissions: t.retransmissions, socketErrors: t.socketErrors };
}

/** A PAP run's result from what the engine counted, its outcomes being the reply verdicts. */
export function loadResultOf(
  o: LoadOptions,
  t: SlotTally,
  repliesWithMessageAuthenticator: number,
): LoadResult {
  const v = t.outcomes;
  return {
    target: targetOf(o),
    users: o.users,
    window: o.window,
    sockets: o.sockets,
    messageAuthenticator: o.messageAuthenticator,
    warmupSeconds: o.warmupSeconds,
    measuredSeconds: t.measuredSeconds,
    stoppedBy: t.stoppedBy,
    requestsPerSecond: perSecond(t.roundTrips, t),
    counts: {
      accept: v[ReplyVerdict.Accept]!,
      reject: v[ReplyVerdict.Reject]!,
      challenge: v[ReplyVerdict.Challenge]!,
      other: v[ReplyVerdict.Other]!,
      ...failuresOf(t),
    },
    totals: { requests: t.started, ...packetTotalsOf(t), repliesWithMessageAuthenticator },
    latency: t.latency,
    loadgenCpuPercent: t.loadgenCpuPercent,
  };
}

/** Microseconds as milliseconds, two decimals below 10 ms. */
export function ms(us: number): string {
  return (us / 1000).toFixed(us < 10_000 ? 2 : 1);
}

/** The report lines every run shares: the interval, and the failures. */
export function measuredLines(r: MeasuredRun<string> & { readonly totals: PacketTotals }): [string, string] {
  const c = r.counts;
  return [
    `measured      ${r.measuredSeconds.toFixed(2)} s after ${r.warmupSeconds} s warm-up, stopped by ${r.stoppedBy}`,
    `failures      timeout=${c.timeout} bad=${c.bad} stray=${c.stray} socket-errors=${r.totals.socketErrors}`,
  ];
}

/** A short human-readable report, one fact per line. */
export function formatLoadResult(r: LoadResult): string {
  const c = r.counts;
  const l = r.latency;
  const [measured, failures] = measuredLines(r);
  return [
    `target        ${r.target}  users=${r.users} window=${r.window} sockets=${r.sockets} ` +
      `message-authenticator=${r.messageAuthenticator ? 'yes' : 'no'}`,
    measured,
    `requests/s    ${Math.round(r.requestsPerSecond)}`,
    `replies       accept=${c.accept} reject=${c.reject} challenge=${c.challenge} other=${c.other}`,
    failures,
    `latency ms    p50=${ms(l.p50Us)} p90=${ms(l.p90Us)} p99=${ms(l.p99Us)} p99.9=${ms(l.p999Us)} max=${ms(l.maxUs)} ` +
      `mean=${ms(l.meanUs)} (n=${l.count})`,
    `totals        requests=${r.totals.requests} packets=${r.totals.packetsSent} ` +
      `retransmissions=${r.totals.retransmissions}`,
    `loadgen CPU   ${Math.round(r.loadgenCpuPercent)} % of one core${
      r.loadgenCpuPercent > 80 ? '  (above 80 %: the generator may be the limit, not the server)' : ''
    }`,
  ].join('\n');
}
