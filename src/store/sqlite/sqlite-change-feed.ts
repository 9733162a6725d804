// Owns reading SQLite's change log (migration 10) for a running server: what changed since it last looked.
import type Database from 'better-sqlite3';
import { type ChangeFeed, type ChangeSink, distinctChanges } from '../../domain/change-feed.js';

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
 * connection's own writes; those move the log's end. A tick that sees neither costs one pragma and one lookup of
 * the last row. The server also calls `drain()` right after the writes it makes outside its caches (the REST API,
 * the portal), so those are seen by the very next login, not one tick later.
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
    // The pruned mark too: a log pruned empty must not read as "behind the pruned rows" (a needless full reload).
    this.#end = db
      .prepare<[], number | null>(
        'SELECT max(coalesce((SELECT max(seq) FROM changes), 0), (SELECT through FROM changes_pruned))',
      )
      .pluck();
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
      // Another connection committed, or this one wrote a change some caller did not drain at once (the log's
      // end moved): either way, read what is new. One pragma and one lookup of the last row per tick.
      if (version === this.#version && (this.#end.get() ?? 0) === this.#last) return;
      this.#version = version;
      // One slice per turn of the event loop: an import of many users is applied between logins, not before them.
      if (this.#readSlice()) setImmediate(this.#tick);
    } catch (error) {
      this.#options.onError(error);
    }
  };

  drain(): void {
    while (this.#readSlice()) {
      // every slice now: the caller wants its own write visible before it goes on
    }
  }

  /**
   * Looks now, as a tick would, for what another connection committed since the last look: one pragma when
   * nothing did. When something did, reads one slice at once (the ticks read the rest, between logins) and
   * returns true. For a login that found no such user: an `assent user add` committed in the last tick's
   * interval is then seen by this login, not the next one.
   */
  catchUp(): boolean {
    if (this.#sink === undefined || !this.#db.open) return false;
    try {
      const version = this.#dataVersion();
      if (version === this.#version) return false;
      this.#version = version;
      if (this.#readSlice()) setImmediate(this.#tick);
      return true;
    } catch (error) {
      this.#options.onError(error);
      return false;
    }
  }

  /** Delivers the next slice of rows; true when there may be more. */
  #readSlice(): boolean {
    const sink = this.#sink;
    if (sink === undefined || !this.#db.open) return false;
    if (this.#last < this.#prunedThrough.get()!) {
      // Rows this node never read are gone: it cannot know what they changed.
      this.#last = this.#end.get() ?? 0;
      sink.lost();
      return false;
    }
    const rows = this.#after.all(this.#last, BATCH);
    if (rows.length === 0) return false;
    this.#last = rows[rows.length - 1]![0];
    sink.changed(distinctChanges(rows));
    return rows.length === BATCH;
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
