// Owns the queue in front of password hashing: bounded concurrency, and shedding work whose caller gave up.

import { StaleRequestError } from '../../domain/ports.js';

interface Waiting {
  readonly deadline: number;
  readonly work: () => Promise<boolean>;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * At most `concurrency` verifications run at once (the size of the thread pool they run on); the rest wait here
 * in arrival order, where a deadline can still be looked at. Once libuv's pool had them, a queued argon2 job
 * would run even after the NAS had given up; here it is dropped when its turn comes late, so under CPU contention
 * the server spends its time on requests someone still waits for.
 */
export class DeadlineGate {
  private running = 0;
  private readonly queue: Waiting[] = [];
  private head = 0;
  /** Verifications dropped because their deadline had passed (the STALE drop counter's source). */
  shed = 0;

  constructor(
    private readonly concurrency: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `work` when a slot is free; rejects with StaleRequestError if `deadline` (epoch ms) passed first. */
  run(deadline: number | undefined, work: () => Promise<boolean>): Promise<boolean> {
    if (this.running < this.concurrency && this.head === this.queue.length) return this.start(work);
    return new Promise((resolve, reject) => {
      this.queue.push({ deadline: deadline ?? Number.POSITIVE_INFINITY, work, resolve, reject });
    });
  }

  private start(work: () => Promise<boolean>): Promise<boolean> {
    this.running++;
    const done = work();
    done.then(this.release, this.release);
    return done;
  }

  private readonly release = (): void => {
    this.running--;
    const now = this.now();
    while (this.running < this.concurrency && this.head < this.queue.length) {
      const next = this.queue[this.head++]!;
      if (next.deadline < now) {
        this.shed++;
        next.reject(new StaleRequestError("the NAS stopped waiting before this request's turn"));
        continue;
      }
      this.start(next.work).then(next.resolve, next.reject);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  };
}
