// Owns the load generator's result: what was counted, and its one-screen text form.
import type { LatencySummary } from './latency-histogram.js';

/** Why sending stopped. */
export type StopReason = 'duration' | 'max-requests' | 'aborted';

/** Outcomes of requests answered (or given up) inside the measured interval. */
export interface LoadCounts {
  readonly accept: number;
  readonly reject: number;
  readonly challenge: number;
  /** A verified reply with any other code. */
  readonly other: number;
  /** No verified reply after the last retransmission. */
  readonly timeout: number;
  /** Replies whose Response Authenticator or Message-Authenticator did not verify, or that did not parse. */
  readonly bad: number;
  /** Replies that matched no request in flight (late duplicates after a retransmission, for example). */
  readonly stray: number;
}

/** What one run measured. Counts and latencies cover the measured interval only (after the warm-up). */
export interface LoadResult {
  readonly target: string;
  readonly users: number;
  readonly window: number;
  readonly sockets: number;
  readonly messageAuthenticator: boolean;
  readonly warmupSeconds: number;
  /** Length of the measured interval: up to the duration, or until the last reply when capped by count. */
  readonly measuredSeconds: number;
  readonly stoppedBy: StopReason;
  /** Verified replies per second in the measured interval. */
  readonly requestsPerSecond: number;
  readonly counts: LoadCounts;
  /** Over the whole run, warm-up included. */
  readonly totals: {
    readonly requests: number;
    readonly packetsSent: number;
    readonly retransmissions: number;
    /** Errors reported on the sockets (a send the kernel refused, for example). */
    readonly socketErrors: number;
    /** Verified replies that carried a Message-Authenticator. */
    readonly repliesWithMessageAuthenticator: number;
  };
  /** From the first send of a request to its verified reply. */
  readonly latency: LatencySummary;
  /** This process's CPU time (user + system) over the measured interval, in % of one core. */
  readonly loadgenCpuPercent: number;
}

function ms(us: number): string {
  return (us / 1000).toFixed(us < 10_000 ? 2 : 1);
}

/** A short human-readable report, one fact per line. */
export function formatLoadResult(r: LoadResult): string {
  const c = r.counts;
  const l = r.latency;
  return [
    `target        ${r.target}  users=${r.users} window=${r.window} sockets=${r.sockets} ` +
      `message-authenticator=${r.messageAuthenticator ? 'yes' : 'no'}`,
    `measured      ${r.measuredSeconds.toFixed(2)} s after ${r.warmupSeconds} s warm-up, stopped by ${r.stoppedBy}`,
    `requests/s    ${Math.round(r.requestsPerSecond)}`,
    `replies       accept=${c.accept} reject=${c.reject} challenge=${c.challenge} other=${c.other}`,
    `failures      timeout=${c.timeout} bad=${c.bad} stray=${c.stray} socket-errors=${r.totals.socketErrors}`,
    `latency ms    p50=${ms(l.p50Us)} p90=${ms(l.p90Us)} p99=${ms(l.p99Us)} p99.9=${ms(l.p999Us)} max=${ms(l.maxUs)} ` +
      `mean=${ms(l.meanUs)} (n=${l.count})`,
    `totals        requests=${r.totals.requests} packets=${r.totals.packetsSent} ` +
      `retransmissions=${r.totals.retransmissions}`,
    `loadgen CPU   ${Math.round(r.loadgenCpuPercent)} % of one core${
      r.loadgenCpuPercent > 80 ? '  (above 80 %: the generator may be the limit, not the server)' : ''
    }`,
  ].join('\n');
}
