// Owns the per-address request budget of the public listener (SECURITY A8.7): a token bucket per source address.

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * `perSecond` requests a second on average, bursts up to `burst`. Addresses are forgotten once their bucket is full
 * again; at most `maxAddresses` are tracked, so a flood from many addresses costs bounded memory (the oldest
 * entries are dropped first, which only ever gives an address more budget, never less).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxAddresses = 100_000,
  ) {}

  /** Takes one request's token for `address`; false when its budget is spent (answer 429). */
  take(address: string, now: number): boolean {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxAddresses) this.evict(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(address, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until `address` has a token again (the Retry-After of a 429). */
  retryAfterSeconds(address: string): number {
    const bucket = this.buckets.get(address);
    if (bucket === undefined || bucket.tokens >= 1) return 0;
    return Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number): void {
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [address, bucket] of this.buckets) {
      if (now - bucket.at >= fullAfterMs) this.buckets.delete(address);
    }
    // Still full: drop the oldest tenth (Map order is insertion order).
    if (this.buckets.size >= this.maxAddresses) {
      let drop = Math.ceil(this.maxAddresses / 10);
      for (const address of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(address);
      }
    }
  }
}
