// Owns the latency histogram: fixed memory, constant-time recording, percentiles within 0.1 %.

/** Values below this are kept exactly (1 µs buckets). */
const EXACT_LIMIT = 2048;
/** Sub-buckets per power of two above EXACT_LIMIT: 1024 gives a relative error below 0.1 %. */
const SUB_BUCKETS = 1024;
const SUB_BITS = 10;
/** Largest recordable value (µs, about 35 minutes); larger values are clamped. */
const MAX_VALUE = 0x7fffffff;
const BUCKETS = EXACT_LIMIT + (31 - 11) * SUB_BUCKETS;

/** Percentiles in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

function bucketOf(us: number): number {
  if (us < EXACT_LIMIT) return us;
  const magnitude = 31 - Math.clz32(us);
  const shift = magnitude - SUB_BITS;
  return EXACT_LIMIT + (magnitude - 11) * SUB_BUCKETS + ((us >>> shift) - SUB_BUCKETS);
}

function lowestValueOf(bucket: number): number {
  if (bucket < EXACT_LIMIT) return bucket;
  const k = bucket - EXACT_LIMIT;
  const magnitude = 11 + Math.floor(k / SUB_BUCKETS);
  return (SUB_BUCKETS + (k % SUB_BUCKETS)) * 2 ** (magnitude - SUB_BITS);
}

/**
 * A log-linear histogram of latencies in whole microseconds, in the style of HdrHistogram: exact below
 * 2 ms, then 1024 buckets per power of two. Recording allocates nothing, so it can sit in the hot path.
 */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one latency; negative values count as 0, values over ~35 min are clamped. */
  record(us: number): void {
    const v = us <= 0 ? 0 : us >= MAX_VALUE ? MAX_VALUE : Math.round(us);
    this.#counts[bucketOf(v)]!++;
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#count;
  }

  /**
   * The smallest recorded value such that at least `q` of all values are at or below it (bucket lower bound).
   * @param q - a fraction in [0, 1]
   * @returns microseconds, or 0 when nothing was recorded
   */
  percentile(q: number): number {
    if (this.#count === 0) return 0;
    if (q >= 1) return this.#max;
    const target = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.#counts[b]!;
      if (seen >= target) return Math.min(lowestValueOf(b), this.#max);
    }
    return this.#max;
  }

  /** Count, mean, p50/p90/p99/p99.9 and max, in microseconds. */
  summary(): LatencySummary {
    return {
      count: this.#count,
      meanUs: this.#count === 0 ? 0 : Math.round(this.#sum / this.#count),
      p50Us: this.percentile(0.5),
      p90Us: this.percentile(0.9),
      p99Us: this.percentile(0.99),
      p999Us: this.percentile(0.999),
      maxUs: this.#max,
    };
  }
}
