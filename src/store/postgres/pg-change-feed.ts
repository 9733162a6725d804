// Owns reading PostgreSQL's change log (migration 10) for a running node: LISTEN for new rows, read them in order.
import type pg from 'pg';
import { type ChangeFeed, type ChangeSink, distinctChanges } from '../../domain/change-feed.js';
import { PgListeningConnection } from './pg-listening-connection.js';

/** Rows read per query, as in the SQLite feed: a big import arrives in slices. */
const BATCH = 2_000;
/** The channel migration 10's trigger notifies with each new seq. */
const CHANNEL = 'assent_changes';

export interface PgChangeFeedOptions {
  /** A new connection for LISTEN and the reads (a pooled one would lose LISTEN when it goes back to the pool). */
  readonly connect: () => Promise<pg.Client>;
  /** Runs the prune statements (any pooled connection). */
  readonly pool: pg.Pool;
  /**
   * A read even without a notification, this often: a notification sent while this node was reconnecting is
   * lost, the rows are not. Cheap: one indexed lookup past the last seq.
   */
  readonly pollMs: number;
  /** How long to wait before connecting again after the connection failed (doubles up to 16×). */
  readonly retryMs: number;
  /** A failed read or a lost connection: reported; the feed reconnects and reads from where it was. */
  readonly onError: (error: unknown) => void;
}

/**
 * One connection LISTENs on `assent_changes`; every notification (a hint that rows up to its seq exist), every
 * poll and every `drain()` read the log from the last seq seen. Reads never overlap: a request that arrives while
 * one runs is folded into one more read after it, so rows are delivered once, in seq order. Seqs are taken in
 * commit order under migration 10's advisory lock, so a reader past seq N never later meets a smaller one.
 */
export class PgChangeFeed implements ChangeFeed {
  readonly #options: PgChangeFeedOptions;
  readonly #connection: PgListeningConnection;
  #sink: ChangeSink | undefined;
  #last = 0;
  #reading: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #poll: NodeJS.Timeout | undefined;

  constructor(options: PgChangeFeedOptions) {
    this.#options = options;
    this.#connection = new PgListeningConnection({
      connect: options.connect,
      channel: CHANNEL,
      retryMs: options.retryMs,
      onNotification: () => void this.drain(),
      // Rows logged while the connection was down raised notifications no one heard: read them now.
      onReconnected: () => void this.drain(),
      onError: options.onError,
      lostMessage: 'change feed connection ended',
    });
  }

  /** The position this feed has read up to (tests, logs). */
  get position(): number {
    return this.#last;
  }

  /** Connects, LISTENs and notes the log's end; what a node loads after this resolves misses no later write. */
  async start(sink: ChangeSink): Promise<void> {
    this.#sink = sink;
    const client = await this.#connection.start();
    if (client === undefined) return;
    this.#last = await logEnd(client);
    this.#poll = setInterval(() => void this.drain(), this.#options.pollMs);
    this.#poll.unref();
  }

  /** Reads and delivers everything logged since the last read; resolves when delivered (never rejects). */
  drain(): Promise<void> {
    if (this.#reading !== undefined) {
      this.#again = true;
      return this.#reading;
    }
    const reading = this.#readAll().finally(() => {
      this.#reading = undefined;
      if (this.#again) {
        this.#again = false;
        void this.drain();
      }
    });
    this.#reading = reading;
    return reading;
  }

  async #readAll(): Promise<void> {
    try {
      const client = await this.#connection.clientOrConnect();
      if (client === undefined) return;
      while (await this.#readSlice(client)) {
        // Each slice is delivered before the next is read: an import is applied between logins, not in one go.
      }
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /** Delivers the next slice of rows; true when there may be more. */
  async #readSlice(client: pg.Client): Promise<boolean> {
    const sink = this.#sink;
    if (sink === undefined || this.#closed) return false;
    const pruned = await client.query<{ through: string }>('SELECT through::text FROM changes_pruned');
    if (this.#last < Number(pruned.rows[0]?.through ?? 0)) {
      // Rows this node never read are gone: it cannot know what they changed.
      this.#last = await logEnd(client);
      sink.lost();
      return false;
    }
    const result = await client.query<[string, string, string]>({
      text: 'SELECT c.seq::text, c.kind, c.key FROM changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2',
      values: [this.#last, BATCH],
      rowMode: 'array',
    });
    const rows = result.rows;
    if (rows.length === 0 || this.#closed) return false;
    this.#last = Number(rows[rows.length - 1]![0]);
    sink.changed(distinctChanges(rows));
    return rows.length === BATCH;
  }

  /** Deletes log rows older than `olderThanMs`; returns how many. The mark and the delete commit together. */
  async prune(olderThanMs: number, now = Date.now()): Promise<number> {
    const client = await this.#options.pool.connect();
    try {
      await client.query('BEGIN');
      const through = await client.query<{ through: string | null }>(
        'SELECT max(seq)::text AS through FROM changes WHERE at < $1',
        [now - olderThanMs],
      );
      const last = through.rows[0]?.through;
      if (last === null || last === undefined) {
        await client.query('COMMIT');
        return 0;
      }
      await client.query('UPDATE changes_pruned SET through = greatest(through, $1)', [last]);
      const deleted = await client.query('DELETE FROM changes WHERE seq <= $1', [last]);
      await client.query('COMMIT');
      return deleted.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#poll !== undefined) clearInterval(this.#poll);
    this.#sink = undefined;
    this.#connection.close();
  }
}

/** The last seq written: the highest row, or the pruned mark when pruning emptied the log (else: a false "lost"). */
async function logEnd(client: pg.Client): Promise<number> {
  const end = await client.query<{ end: string }>(
    'SELECT greatest((SELECT max(seq) FROM changes), (SELECT through FROM changes_pruned))::text AS end',
  );
  return Number(end.rows[0]?.end ?? 0);
}
