// Owns the change-feed port: how a running node learns which rows any writer (itself, a command, another node) changed.
import type { Awaitable } from './awaitable.js';

/** What to reload: a user row, a user's tokens, a user's push devices, a user's lockout row, a RADIUS client. */
export type ChangeKind = 'user' | 'token' | 'device' | 'lockout' | 'client';

/** One write, as the database's triggers logged it. `key` is the user's name, or the client's for `client`. */
export interface Change {
  readonly seq: number;
  readonly kind: ChangeKind;
  readonly key: string;
}

/** Where a feed delivers what it read. */
export interface ChangeSink {
  /** Changes in `seq` order, each key once per batch and kind; the caller reloads those rows. */
  changed(changes: readonly Change[]): void;
  /** The feed lost track (its log was pruned past this node's position): reload everything. */
  lost(): void;
}

/**
 * A node-local reader of the change log (docs/storage.md "Change feed"). SQLite: the server polls the log when the
 * file's `data_version` moved (another connection committed); PostgreSQL: LISTEN. Writes this node made itself are
 * read at once through `drain()`, so a change is visible to the next login without waiting for a poll.
 */
export interface ChangeFeed {
  /** Starts from the log's current end (what is already in memory came from a read after that point). */
  start(sink: ChangeSink): Awaitable<void>;
  /** Reads and delivers every change logged since the last read, now (PostgreSQL: resolves when delivered). */
  drain(): Awaitable<void>;
  /**
   * SQLite only: a synchronous look for commits of other processes since the last poll, delivering them now;
   * true when there were any. PostgreSQL's notices arrive on their own and have no such look.
   */
  catchUp?(): boolean;
  /** Deletes log rows older than `olderThanMs`; returns how many. */
  prune(olderThanMs: number, now?: number): Awaitable<number>;
  close(): void;
}

/**
 * One change per kind and key, at the position of its last occurrence (an import logs a user several times).
 * Rows are `[seq, kind, key]` as the log's query returns them (PostgreSQL gives a BIGINT seq as text).
 */
export function distinctChanges(rows: readonly (readonly [number | string, string, string])[]): Change[] {
  const seen = new Map<string, Change>();
  for (const [seq, kind, key] of rows) {
    const id = `${kind}\u0000${key}`;
    seen.delete(id);
    seen.set(id, { seq: Number(seq), kind: kind as ChangeKind, key });
  }
  return [...seen.values()];
}
