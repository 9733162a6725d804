// Owns the record of each decision: counted by reason for metrics, timed for the latency histogram, logged.
import type { Logger } from 'pino';
import type { Decision } from '../domain/decision.js';
import type { RadiusCounters } from './counters.js';
import { type InFlight, transactionOf } from './in-flight.js';

/** One `radius.decision` line per decision (when info is on), and the counts and timings metrics read. */
export class DecisionLog {
  private readonly logDecisions: boolean;

  constructor(
    private readonly counters: RadiusCounters,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly onDecided: ((ms: number) => void) | undefined,
  ) {
    this.logDecisions = logger.isLevelEnabled('info');
  }

  /** Records `decision` for `request`; `outcome` is the decision's kind, or what was done with it. */
  record(request: InFlight, decision: Decision, outcome: string): void {
    const reason = 'reason' in decision ? decision.reason : undefined;
    this.counters.countDecision(reason ?? outcome);
    const ms = this.now() - request.started;
    this.onDecided?.(ms);
    if (!this.logDecisions) return;
    this.logger.info({
      event: 'radius.decision',
      client: request.client.name,
      src: `${request.address}:${request.port}`,
      id: request.packet.identifier,
      user: 'user' in decision ? decision.user : undefined,
      outcome,
      reason,
      txn: transactionOf(request, decision),
      ms,
    });
  }
}
