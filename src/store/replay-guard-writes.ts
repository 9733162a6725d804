// Owns the durable half of the replay guard: one turn's successes, batched to the journal or the database.
import type { Awaitable } from '../domain/awaitable.js';
import type { TokenStore, TokenSuccess } from '../domain/token.js';
import { commitJournalBatch, type JournalBatch, openJournalBatch } from './journal-batch.js';
import type { ReplayJournal } from './replay-journal.js';

/** A success for the database (no journal, or a token this cache does not hold). */
interface Pending {
  readonly serial: string;
  readonly userName: string;
  readonly success: TokenSuccess;
  resolve(committed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit (SECURITY A6.4) for CachingTokenStore, which has already done the compare-and-set in memory: each
 * success queued here is flushed once per event-loop turn, to the journal (one promise shared by the turn's batch)
 * or in one database transaction. A batch that is not durable drops memory of its users (`dropUser`), so their
 * next use reads the database and a caller that was refused fails closed.
 */
export class ReplayGuardWrites {
  private queue: Pending[] = [];
  private journalBatch: JournalBatch | undefined;
  private scheduled = false;

  constructor(
    private readonly inner: TokenStore,
    /** Runs `fn` inside one database transaction. */
    private readonly transaction: (fn: () => void) => void,
    private readonly journal: ReplayJournal | undefined,
    /** Forgets one user's cached tokens, so the next read goes to the database. */
    private readonly dropUser: (userName: string) => void,
  ) {}

  /** Queues a use whose mark already moved in memory and in the journal's marks; answers the batch's promise. */
  journaled(tokenId: number, lastUsed: number, drift: number, userName: string): Promise<boolean> {
    const batch = this.journalBatch ?? this.openJournalBatch();
    batch.items.push({ tokenId, lastUsed, drift, userName });
    return batch.durable;
  }

  /** Queues a compare-and-set for the database; the promise answers whether it won there. */
  queued(serial: string, userName: string, success: TokenSuccess): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ serial, userName, success, resolve, reject });
      this.schedule();
    });
  }

  private openJournalBatch(): JournalBatch {
    const batch = openJournalBatch();
    this.journalBatch = batch;
    this.schedule();
    return batch;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushScheduled);
  }

  // Bound once: `flush` never rejects (each caller hears its verdict through its own promise).
  private readonly flushScheduled = (): void => {
    void this.flush();
  };

  /**
   * Commits every queued success (the journal batch and the database batch) and tells each caller the verdict.
   * Never rejects; answers when the database batch is answered (at once when the inner store answers values).
   */
  flush(): Awaitable<void> {
    this.scheduled = false;
    const journalBatch = this.journalBatch;
    this.journalBatch = undefined;
    if (journalBatch !== undefined) commitJournalBatch(this.journal!, journalBatch, this.forgetUsersOf);
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (batch.length > 1 && this.inner.recordSuccesses !== undefined && distinctSerials(batch)) {
      return this.flushAtOnce(batch);
    }
    const results: Awaitable<boolean>[] = [];
    let waits = false;
    try {
      this.transaction(() => {
        for (const item of batch) {
          const result = this.inner.recordSuccess(item.serial, item.success);
          if (result instanceof Promise) waits = true;
          results.push(result);
        }
      });
    } catch (error) {
      this.failBatch(batch, error);
      return;
    }
    if (!waits) {
      this.settleBatch(batch, results as boolean[]);
      return;
    }
    // Every write of the batch is waited for, so no caller is told before the batch's fate is known.
    return Promise.allSettled(results.map((result, i) => this.orRecheck(result, batch[i]!))).then(
      (settled) => {
        const verdicts: boolean[] = [];
        for (const outcome of settled) {
          if (outcome.status === 'rejected') {
            this.failBatch(batch, outcome.reason);
            return;
          }
          verdicts.push(outcome.value);
        }
        this.settleBatch(batch, verdicts);
      },
    );
  }

  /** One statement for the whole batch (PostgreSQL: one round trip), then each refusal re-checked as below. */
  private flushAtOnce(batch: readonly Pending[]): Promise<void> {
    const items = batch.map((item) => ({ serial: item.serial, success: item.success }));
    return Promise.resolve()
      .then(() => this.inner.recordSuccesses!(items))
      .then((verdicts) => Promise.all(verdicts.map((won, i) => this.orRecheck(won, batch[i]!))))
      .then(
        (verdicts) => this.settleBatch(batch, verdicts),
        (error: unknown) => this.failBatch(batch, error),
      );
  }

  /**
   * A shared database (several nodes): a refused compare-and-set may only mean this node's memory of `lastUsed`
   * was behind, because another node accepted an EARLIER code of the token and the change had not reached us.
   * The code is still new if it is past what the database holds now, so the compare-and-set is tried once more
   * from there (A6.4 holds: the database still lets exactly one writer move the token past any step).
   */
  private async orRecheck(result: Awaitable<boolean>, item: Pending): Promise<boolean> {
    if (await result) return true;
    const stored = await this.inner.getBySerial(item.serial);
    if (stored === undefined || stored.lastUsed >= item.success.newLastUsed) return false;
    if (stored.lastUsed === item.success.expectedLastUsed) return false;
    return this.inner.recordSuccess(item.serial, { ...item.success, expectedLastUsed: stored.lastUsed });
  }

  /** Nothing of the batch is known to be durable: every caller fails closed, and memory of its users goes. */
  private failBatch(batch: readonly Pending[], error: unknown): void {
    this.forgetUsersOf(batch);
    for (const item of batch) item.reject(error);
  }

  private settleBatch(batch: readonly Pending[], results: readonly boolean[]): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      // Another writer moved the token first: memory is stale for that user.
      if (!results[i]) this.dropUser(item.userName);
      item.resolve(results[i]!);
    }
  }

  /** Nothing of a failed batch is durable: forget what memory believes, so its callers fail closed. */
  private readonly forgetUsersOf = (batch: readonly { readonly userName: string }[]): void => {
    for (const item of batch) this.dropUser(item.userName);
  };
}

/** True when no serial appears twice: the batched compare-and-set reports one verdict per serial. */
function distinctSerials(batch: readonly Pending[]): boolean {
  const seen = new Set<string>();
  for (const item of batch) {
    if (seen.has(item.serial)) return false;
    seen.add(item.serial);
  }
  return true;
}
