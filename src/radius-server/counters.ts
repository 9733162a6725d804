// Owns the RADIUS transport counters (requests, replies, drops by reason) that logs and metrics read.
import { allDropReasons, type DropReason } from './drop-reason.js';

/** Plain counters with a fixed shape so the hot path only increments numbers. */
export class RadiusCounters {
  received = 0;
  accessAccepts = 0;
  accessRejects = 0;
  accessChallenges = 0;
  accountingResponses = 0;
  statusServerReplies = 0;
  duplicatesResent = 0;
  /** Replies that could not be built and were replaced by a bare Access-Reject (issue 12). */
  replyFailures = 0;
  /** Replies the kernel refused to send (batched sockets: send buffer full); lost as on the wire. */
  repliesUnsent = 0;
  readonly drops: Record<DropReason, number>;
  /** Decoder failure reason → count (SECURITY A1.2–A1.6). */
  readonly malformed = new Map<string, number>();
  /** Decisions by reason, or by outcome when there is none (`accept`, `challenge`, `pending`): for metrics. */
  readonly decisions = new Map<string, number>();

  constructor() {
    const drops = {} as Record<DropReason, number>;
    for (const reason of allDropReasons) drops[reason] = 0;
    this.drops = drops;
  }

  countDecision(key: string): void {
    this.decisions.set(key, (this.decisions.get(key) ?? 0) + 1);
  }

  countMalformed(reason: string): void {
    this.malformed.set(reason, (this.malformed.get(reason) ?? 0) + 1);
  }

  get dropped(): number {
    let total = 0;
    for (const reason of allDropReasons) total += this.drops[reason];
    return total;
  }

  /** A JSON-friendly copy for health output and tests. */
  snapshot(): Record<string, unknown> {
    return {
      received: this.received,
      accessAccepts: this.accessAccepts,
      accessRejects: this.accessRejects,
      accessChallenges: this.accessChallenges,
      accountingResponses: this.accountingResponses,
      statusServerReplies: this.statusServerReplies,
      duplicatesResent: this.duplicatesResent,
      replyFailures: this.replyFailures,
      repliesUnsent: this.repliesUnsent,
      dropped: this.dropped,
      drops: { ...this.drops },
      malformed: Object.fromEntries(this.malformed),
    };
  }
}
