// Owns recording sign-ins off the login path: a bounded buffer, batched writes, backoff on failure, hourly pruning.
import type { Awaitable } from '../domain/awaitable.js';
import type { Decision } from '../domain/decision.js';
import type { NewSignIn, SignInStore } from '../domain/sign-in.js';
import { signInOf } from './sign-in-entry.js';

/** What an operator must hear about: failures, reported rate-limited (a store that is down fails every flush). */
export interface SignInLogEvents {
  /** A batch could not be written (it is kept and tried again). Called at most once per `reportEveryMs`. */
  flushFailed(error: unknown, counts: SignInLogCounts & { readonly suppressed: number }): void;
  /** The hourly prune deleted `count` sign-ins from before `before` (ISO). */
  pruned(count: number, before: string): void;
  pruneFailed(error: unknown): void;
}

/** Running totals since start (the `assent_sign_ins_total` metric). */
export interface SignInLogCounts {
  /** Rows written to the store. */
  readonly written: number;
  /** Flushes that failed. */
  readonly failures: number;
  /** Rows given up: the oldest, when the buffer was full because the store kept failing. */
  readonly dropped: number;
  /** Rows waiting for the next flush. */
  readonly waiting: number;
}

export interface SignInLogOptions {
  readonly store: Pick<SignInStore, 'append' | 'pruneBefore'>;
  /** `portal.signInHistoryDays`: sign-ins older than this are pruned. */
  readonly retentionDays: number;
  readonly events?: Partial<SignInLogEvents>;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /** Runs `tick` every `everyMs` until the returned function is called; default an unref'd setInterval. */
  readonly every?: (tick: () => void, everyMs: number) => () => void;
  /** Runs `flush` soon, off the caller's stack; default setImmediate. */
  readonly soon?: (flush: () => void) => void;
  readonly flushEveryMs?: number;
  /** A flush starts as soon as this many are waiting. */
  readonly batchSize?: number;
  /** At most this many wait; beyond, the oldest are dropped and counted. */
  readonly capacity?: number;
  readonly pruneEveryMs?: number;
  readonly reportEveryMs?: number;
}

const DAY_MS = 86_400_000;
/** After failures in a row, the next try waits twice as long each time, up to this. */
const MAX_BACKOFF_MS = 30_000;

const defaultEvery = (tick: () => void, everyMs: number) => {
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * The sign-in history's writer (issue 18). SECURITY A13.2: `record` is what a login pays, a slot in a ring buffer:
 * no promise, no closure, no I/O. A timer writes what waits in one transaction every `flushEveryMs` (500), or soon
 * after `batchSize` (256) are waiting. A store that fails is never the login's problem: the rows stay buffered and
 * are tried again with a growing delay; once `capacity` (10,000) wait, each new row pushes out the oldest (counted).
 * Over a store that answers with promises, one batch is written at a time; rows stay in the buffer until their
 * write succeeded, and an explicit flush during a write writes what waits after it.
 */
export class SignInLog {
  readonly #store: Pick<SignInStore, 'append' | 'pruneBefore'>;
  readonly #retentionMs: number;
  readonly #events: Partial<SignInLogEvents>;
  readonly #now: () => number;
  readonly #soon: (flush: () => void) => void;
  readonly #flushEveryMs: number;
  readonly #batchSize: number;
  readonly #pruneEveryMs: number;
  readonly #reportEveryMs: number;
  readonly #ring: (NewSignIn | undefined)[];
  #head = 0;
  #size = 0;
  #scheduled = false;
  /** After a failure, no flush before `#retryAt` but an explicit one (close, a reader that flushes first). */
  #backingOff = false;
  #retryAt = 0;
  #failuresInRow = 0;
  #nextPruneAt: number;
  #lastReportAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;
  #written = 0;
  #failures = 0;
  #dropped = 0;
  #stopTimer: (() => void) | undefined;
  #closed = false;
  /** The batch write under way, over a store that answers with promises. */
  #writing: Promise<boolean> | undefined;
  /** Oldest rows pushed out while a write was under way: they were at the front of its batch. */
  #pushedOutWhileWriting = 0;
  /** `portal.signInHistoryDays: 0`: nothing is recorded and nothing pruned (the rows already kept stay). */
  readonly #off: boolean;

  constructor(options: SignInLogOptions) {
    this.#off = options.retentionDays === 0;
    this.#store = options.store;
    this.#retentionMs = options.retentionDays * DAY_MS;
    this.#events = options.events ?? {};
    this.#now = options.now ?? Date.now;
    this.#soon = options.soon ?? ((flush) => setImmediate(flush));
    this.#flushEveryMs = options.flushEveryMs ?? 500;
    this.#batchSize = options.batchSize ?? 256;
    this.#ring = new Array<NewSignIn | undefined>(options.capacity ?? 10_000);
    this.#pruneEveryMs = options.pruneEveryMs ?? 3_600_000;
    this.#reportEveryMs = options.reportEveryMs ?? 60_000;
    // The first tick prunes: a server that restarts often still keeps to the retention.
    this.#nextPruneAt = this.#now();
    this.#stopTimer = (options.every ?? defaultEvery)(this.#tick, this.#flushEveryMs);
  }

  /** Keeps one sign-in for the next flush. Never throws, never waits. */
  record(entry: NewSignIn): void {
    if (this.#off) return;
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    const capacity = this.#ring.length;
    if (this.#size === capacity) {
      // Full only while the store keeps failing: the newest sign-ins matter most to the user reading them.
      this.#ring[this.#head] = entry;
      this.#head = this.#head + 1 === capacity ? 0 : this.#head + 1;
      this.#dropped++;
      if (this.#writing !== undefined) this.#pushedOutWhileWriting++;
    } else {
      const at = this.#head + this.#size;
      this.#ring[at >= capacity ? at - capacity : at] = entry;
      this.#size++;
    }
    if (this.#size >= this.#batchSize && !this.#scheduled && !this.#backingOff) {
      this.#scheduled = true;
      this.#soon(this.#flushScheduled);
    }
  }

  /**
   * Records `decision` when it is a sign-in to keep (auth/sign-in-entry.ts decides), for the RADIUS server, the
   * push waits and the REST API alike.
   * @param station Calling-Station-Id octets, an address given as text, or undefined
   */
  recordDecision(
    decision: Decision,
    client: string,
    station: Uint8Array | string | undefined,
    txn: string,
  ): void {
    // Challenges, pending pushes and drops are most of what is not kept: no clock read for them.
    if ((decision.kind !== 'accept' && decision.kind !== 'reject') || this.#off) return;
    const entry = signInOf(decision, client, station, txn, this.#now());
    if (entry !== undefined) this.record(entry);
  }

  /**
   * Writes every waiting sign-in in one transaction now (also while backing off), after the write under way if
   * there is one. Never throws, never rejects.
   * @returns true when the rows that waited are written
   */
  flush(): Awaitable<boolean> {
    const writing = this.#writing;
    if (writing !== undefined) return writing.then(() => this.flush());
    const size = this.#size;
    if (size === 0) return true;
    const capacity = this.#ring.length;
    const batch = new Array<NewSignIn>(size);
    for (let i = 0, at = this.#head; i < size; i++, at = at + 1 === capacity ? 0 : at + 1) {
      batch[i] = this.#ring[at]!;
    }
    let appended: Awaitable<void>;
    try {
      appended = this.#store.append(batch);
    } catch (error) {
      this.#failed(error);
      return false;
    }
    if (!(appended instanceof Promise)) {
      this.#wrote(size);
      return true;
    }
    this.#pushedOutWhileWriting = 0;
    const written = appended.then(
      () => {
        this.#writing = undefined;
        // Rows pushed out meanwhile were the batch's own oldest, written after all; the rest of it is at the front.
        const pushedOut = Math.min(size, this.#pushedOutWhileWriting);
        this.#dropped -= pushedOut;
        this.#wrote(size - pushedOut, size);
        if (this.#size >= this.#batchSize && !this.#scheduled && !this.#closed) {
          this.#scheduled = true;
          this.#soon(this.#flushScheduled);
        }
        return true;
      },
      (error: unknown) => {
        this.#writing = undefined;
        this.#failed(error);
        return false;
      },
    );
    this.#writing = written;
    return written;
  }

  /** The `count` oldest rows are written (`written` of them counted: a batch's rows pushed out still were). */
  #wrote(count: number, written = count): void {
    const capacity = this.#ring.length;
    for (let i = 0, at = this.#head; i < count; i++, at = at + 1 === capacity ? 0 : at + 1) {
      this.#ring[at] = undefined;
    }
    const next = this.#head + count;
    this.#head = this.#size === count ? 0 : next >= capacity ? next - capacity : next;
    this.#size -= count;
    this.#written += written;
    this.#failuresInRow = 0;
    this.#backingOff = false;
  }

  /**
   * Deletes sign-ins older than the retention. Never throws, never rejects.
   * @returns how many were deleted, or undefined when the store failed
   */
  prune(): Awaitable<number | undefined> {
    const before = new Date(this.#now() - this.#retentionMs);
    let count: Awaitable<number>;
    try {
      count = this.#store.pruneBefore(before);
      if (!(count instanceof Promise)) return this.#pruned(count, before);
    } catch (error) {
      return this.#pruneFailed(error);
    }
    return count.then((n) => this.#pruned(n, before)).catch((error: unknown) => this.#pruneFailed(error));
  }

  #pruned(count: number, before: Date): number {
    this.#events.pruned?.(count, before.toISOString());
    return count;
  }

  #pruneFailed(error: unknown): undefined {
    this.#events.pruneFailed?.(error);
    return undefined;
  }

  get counts(): SignInLogCounts {
    return { written: this.#written, failures: this.#failures, dropped: this.#dropped, waiting: this.#size };
  }

  /**
   * Stops the timer and writes what waits (once more, whatever the backoff). Later records are dropped.
   * Answers when that write is done (at once over a store that answers values); never rejects.
   */
  close(): Awaitable<void> {
    if (this.#closed) return;
    this.#stopTimer?.();
    this.#stopTimer = undefined;
    const flushed = this.flush();
    this.#closed = true;
    if (flushed instanceof Promise) return flushed.then(() => undefined);
  }

  // Bound once: scheduling a flush or a tick allocates nothing per call. Neither runs beside a write under way:
  // that write's end schedules what has gathered meanwhile, and the next tick tries again.
  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    if (!this.#backingOff && !this.#closed && this.#writing === undefined) void this.flush();
  };

  readonly #tick = (): void => {
    const now = this.#now();
    if (this.#backingOff && now >= this.#retryAt) this.#backingOff = false;
    if (!this.#backingOff && this.#size > 0 && this.#writing === undefined) void this.flush();
    if (now >= this.#nextPruneAt && !this.#off) {
      this.#nextPruneAt = now + this.#pruneEveryMs;
      void this.prune();
    }
  };

  #failed(error: unknown): void {
    this.#failures++;
    this.#failuresInRow++;
    const now = this.#now();
    this.#backingOff = true;
    this.#retryAt =
      now + Math.min(MAX_BACKOFF_MS, this.#flushEveryMs * 2 ** Math.min(this.#failuresInRow, 16));
    if (now - this.#lastReportAt < this.#reportEveryMs) {
      this.#suppressed++;
      return;
    }
    this.#lastReportAt = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    try {
      this.#events.flushFailed?.(error, { ...this.counts, suppressed });
    } catch {
      // A reporting sink that throws must not turn a store failure into a login failure.
    }
  }
}
