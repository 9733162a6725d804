// Owns one turn's batch of replay-journal appends: one durable promise that every success of the batch shares.
import type { ReplayJournal, ReplayRecord } from './replay-journal.js';

/** A success waiting for the journal: its mark already moved in memory. */
export interface JournalPending extends ReplayRecord {
  readonly userName: string;
}

/** One promise per journal batch: the batch is durable as a whole or not at all. */
export interface JournalBatch {
  readonly items: JournalPending[];
  readonly durable: Promise<boolean>;
  resolve(committed: boolean): void;
  reject(error: unknown): void;
}

/** An empty batch, its promise not yet answered. */
export function openJournalBatch(): JournalBatch {
  const { promise, resolve, reject } = withResolvers<boolean>();
  return { items: [], durable: promise, resolve, reject };
}

/**
 * Appends and syncs `batch`, then answers its promise: true once durable; on failure `forgetUsersOf` is told
 * the batch's items first, and the promise rejects.
 */
export function commitJournalBatch(
  journal: ReplayJournal,
  batch: JournalBatch,
  forgetUsersOf: (items: readonly JournalPending[]) => void,
): void {
  // The marks moved at the compare-and-set; the journal only writes and syncs them.
  journal.appendDurable(
    batch.items,
    (error) => {
      if (error === null) {
        batch.resolve(true);
        return;
      }
      forgetUsersOf(batch.items);
      batch.reject(error);
    },
    { raised: true },
  );
}

/** `Promise.withResolvers` (Node 22+) for Node 20. */
function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
