// Owns reading SQLite's change log (migration 10) for a running server: what changed since it last looked.
import type Database from 'better-sqlite3';
import type { Change, ChangeFeed, ChangeKind, ChangeSink } from '../../domain/change-feed.js';

/** Rows read per query: an import of 300,000 users is delivered in slices, not as one array. */
const BATCH = 2_000;

export interface SqliteChangeFeedOptions {
  /** How often to look at `data_version` (one pragma, no query, when nothing changed). */
  readonly pollMs: number;
  /** A failed read (busy or broken database): reported, and the next tick tries again. */
  readonly onError: (error: unknown) => void;
}

/**
 * SQLite's `data_version` changes when another connection commits (an `assent` command), never for this
 * connection's own writes, so a tick that sees no change costs one pragma. Own writes are read by `drain()`,
 * which the server calls after every write it makes outside the caches (the REST API, the portal).
 */
export class SqliteChangeFeed implements ChangeFeed {
  readonly #db: Database.Database;
  readonly #options: SqliteChangeFeedOptions;
  readonly #after: Database.Statement<[number, number], [number, string, string]>;
  readonly #end: Database.Statement<[], number | null>;
  readonly #prunedThrough: Database.Statement<[], number>;
  readonly #pruneRows: Database.Statement<[number]>;
  readonly #lastBefore: Database.Statement<[number], number | null>;
  readonly #markPruned: Database.Statement<[number]>;
  #sink: ChangeSink | undefined;
  #last = 0;
  #version = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Database.Database, options: SqliteChangeFeedOptions) {
    this.#db = db;
    this.#options = options;
    this.#after = db
      .prepare<[number, number], [number, string, string]>(
        'SELECT seq, kind, key FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .raw();
    this.#end = db.prepare<[], number | null>('SELECT max(seq) FROM changes').pluck();
    this.#prunedThrough = db.prepare<[], number>('SELECT through FROM changes_pruned').pluck();
    this.#lastBefore = db
      .prepare<[number], number | null>('SELECT max(seq) FROM changes WHERE at < ?')
      .pluck();
    this.#pruneRows = db.prepare('DELETE FROM changes WHERE seq <= ?');
    this.#markPruned = db.prepare('UPDATE changes_pruned SET through = max(through, ?)');
  }

  /** The position this feed has read up to (tests, logs). */
  get position(): number {
    return this.#last;
  }

  start(sink: ChangeSink): void {
    this.#sink = sink;
    this.#last = this.#end.get() ?? 0;
    this.#version = this.#dataVersion();
    this.#timer = setInterval(this.#tick, this.#options.pollMs);
    this.#timer.unref();
  }

  readonly #tick = (): void => {
    if (!this.#db.open) return;
    try {
      const version = this.#dataVersion();
      if (version === this.#version) return;
      this.#version = version;
      this.drain();
    } catch (error) {
      this.#options.onError(error);
    }
  };

  drain(): void {
    const sink = this.#sink;
    if (sink === undefined || !this.#db.open) return;
    if (this.#last < this.#prunedThrough.get()!) {
      // Rows this node never read are gone: it cannot know what they changed.
      this.#last = this.#end.get() ?? 0;
      sink.lost();
      return;
    }
    for (;;) {
      const rows = this.#after.all(this.#last, BATCH);
      if (rows.length === 0) return;
      this.#last = rows[rows.length - 1]![0];
      sink.changed(distinct(rows));
      if (rows.length < BATCH) return;
    }
  }

  prune(olderThanMs: number, now = Date.now()): number {
    const through = this.#lastBefore.get(now - olderThanMs);
    if (through === null || through === undefined) return 0;
    return this.#db.transaction(() => {
      this.#markPruned.run(through);
      return this.#pruneRows.run(through).changes;
    })();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sink = undefined;
  }

  #dataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }
}

/** One change per kind and key, at the position of its last occurrence (an import logs a user several times). */
function distinct(rows: readonly [number, string, string][]): Change[] {
  const seen = new Map<string, Change>();
  for (const [seq, kind, key] of rows) {
    const id = `${kind}\u0000${key}`;
    seen.delete(id);
    seen.set(id, { seq, kind: kind as ChangeKind, key });
  }
  return [...seen.values()];
}
