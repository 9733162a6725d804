// Owns rate limiting of repetitive warnings (unknown clients, bad authenticators) so a flood cannot flood the log.

/**
 * Allows one log line per key per interval and counts what it suppressed, so the next line can say
 * how many were skipped.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Returns the number suppressed since the last line (≥ 0) when a line may be written now, or -1. */
  allow(key: string, now: number): number {
    const entry = this.last.get(key);
    if (entry === undefined) {
      if (this.last.size >= this.maxKeys) this.last.clear();
      this.last.set(key, { at: now, suppressed: 0 });
      return 0;
    }
    if (now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return -1;
    }
    const suppressed = entry.suppressed;
    entry.at = now;
    entry.suppressed = 0;
    return suppressed;
  }
}
