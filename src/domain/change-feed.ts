// Owns the change-feed port: how a running node learns which rows any writer (itself, a command, another node) changed.

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
  start(sink: ChangeSink): void;
  /** Reads and delivers every change logged since the last read, now. */
  drain(): void;
  /** Deletes log rows older than `olderThanMs`; returns how many. */
  prune(olderThanMs: number, now?: number): number;
  close(): void;
}
