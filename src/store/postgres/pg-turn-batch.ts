// Owns gathering the calls of one event-loop turn into one statement: one round trip, one plan, one commit.

/** Runs one batch: the answer for each item, in the items' order. A rejection fails every item of the batch. */
export type BatchRunner<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

interface Waiter<O> {
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * A node under load answers dozens of RADIUS requests per event-loop turn (libuv reads a burst of datagrams per
 * poll, and the database's answers resume many logins at once). One statement per login costs PostgreSQL a
 * parse, a plan, an executor start-up and a commit each, and Node a round trip each: measured at about 150 µs of
 * database CPU per statement (docs/performance.md). Gathering a turn's calls of one kind into one statement over
 * arrays (`unnest`) pays that once per batch. The batch is sent when the turn's I/O callbacks are done
 * (`setImmediate`), so a lone call waits no longer than one turn; a batch never exceeds `max` items.
 */
export class TurnBatch<I, O> {
  readonly #run: BatchRunner<I, O>;
  readonly #max: number;
  #items: I[] = [];
  #waiters: Waiter<O>[] = [];
  #scheduled = false;

  constructor(run: BatchRunner<I, O>, max = 500) {
    this.#run = run;
    this.#max = max;
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ resolve, reject });
      if (this.#items.length >= this.#max) {
        this.#flush();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flushScheduled);
      }
    });
  }

  // Bound once: no closure per batch.
  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    this.#flush();
  };

  #flush(): void {
    const items = this.#items;
    const waiters = this.#waiters;
    if (items.length === 0) return;
    this.#items = [];
    this.#waiters = [];
    let answers: Promise<readonly O[]>;
    try {
      answers = this.#run(items);
    } catch (error) {
      answers = Promise.reject(error);
    }
    answers.then(
      (values) => {
        for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(values[i]!);
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
