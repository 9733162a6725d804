// Owns recording a dropped datagram: its count by reason and, rate-limited, the warning that names its source.
import type { Logger } from 'pino';
import type { Client } from '../domain/client.js';
import type { RadiusCounters } from './counters.js';
import { DropReason } from './drop-reason.js';
import { RateLimitedLog } from './rate-limited-log.js';

/** Counts every drop; logs the ones an operator must hear about at most once per key and interval. */
export class DropLog {
  private readonly warnings: RateLimitedLog;

  constructor(
    private readonly counters: RadiusCounters,
    private readonly logger: Logger,
    warningIntervalMs: number,
  ) {
    this.warnings = new RateLimitedLog(warningIntervalMs);
  }

  /** A drop counted and not logged. */
  count(reason: DropReason): void {
    this.counters.drops[reason]++;
  }

  /** A datagram from an address that is no client. */
  unknownClient(address: string, now: number): void {
    this.counters.drops[DropReason.UnknownClient]++;
    const suppressed = this.warnings.allow(`unknown|${address}`, now);
    if (suppressed >= 0) {
      this.logger.warn(
        { event: 'radius.drop', reason: DropReason.UnknownClient, src: address, suppressed },
        'request from an address that is not a configured client',
      );
    }
  }

  /** A drop counted and logged, rate-limited per reason and client. */
  logged(reason: DropReason, client: Client, address: string, now: number, detail: string | undefined): void {
    this.counters.drops[reason]++;
    const suppressed = this.warnings.allow(`${reason}|${client.name}`, now);
    if (suppressed >= 0) {
      this.logger.warn({
        event: 'radius.drop',
        reason,
        client: client.name,
        src: address,
        detail,
        suppressed,
      });
    }
  }
}
