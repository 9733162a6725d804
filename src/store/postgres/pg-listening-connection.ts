// Owns one dedicated PostgreSQL connection that LISTENs on a channel, and its reconnection after it is lost.
import type pg from 'pg';

export interface PgListeningConnectionOptions {
  /** A new connection each time: a pooled one would lose LISTEN when it goes back to the pool. */
  readonly connect: () => Promise<pg.Client>;
  /** A plain identifier: it is written into the LISTEN statement as is. */
  readonly channel: string;
  /** How long to wait before connecting again after the connection failed (doubles up to 16×). */
  readonly retryMs: number;
  /** A notification on `channel`; its payload, if the sender gave one. */
  readonly onNotification: (payload: string | undefined) => void;
  /**
   * Connected again after a loss: notifications sent meanwhile went to no one, so the owner must re-read what
   * they would have announced.
   */
  readonly onReconnected: () => void;
  /** A lost connection or a failed reconnect (the first connect's failure rejects `start` instead). */
  readonly onError: (error: unknown) => void;
  /** The error reported when the server ends the connection without one (the owner's name for it). */
  readonly lostMessage: string;
}

/**
 * The connection the change feed (pg-change-feed.ts) and the decision notices (pg-decision-notices.ts) LISTEN on.
 * Reconnects run until `close()`: a node keeps serving through a database restart and catches up afterwards.
 * Only one connect runs at a time, so the owner asking for a client while a reconnect is under way shares it
 * instead of opening a second connection that would never be ended.
 */
export class PgListeningConnection {
  readonly #options: PgListeningConnectionOptions;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client | undefined> | undefined;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: PgListeningConnectionOptions) {
    this.#options = options;
  }

  /** The listening client; undefined before `start`, while reconnecting and after `close`. */
  get client(): pg.Client | undefined {
    return this.#client;
  }

  /**
   * The first connect. A failure rejects and is not retried: a node that cannot reach its database at start
   * should fail to start. Resolves undefined when `close()` came first.
   */
  start(): Promise<pg.Client | undefined> {
    return this.clientOrConnect();
  }

  /**
   * The listening client, connecting now if there is none (a read need not wait for the retry timer). Rejects
   * when the connect fails; resolves undefined once closed.
   */
  clientOrConnect(): Promise<pg.Client | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    if (this.#client !== undefined) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<pg.Client | undefined> {
    const client = await this.#options.connect();
    // Handlers go on before LISTEN: an unhandled 'error' on a pg client would crash the process.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error(this.#options.lostMessage)));
    client.on('notification', (message) => {
      if (!this.#closed && message.channel === this.#options.channel) {
        this.#options.onNotification(message.payload);
      }
    });
    try {
      await client.query(`LISTEN ${this.#options.channel}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      // close() ran while this connect was under way and could not end a client it did not know of.
      await client.end().catch(() => {});
      return undefined;
    }
    this.#client = client;
    this.#failures = 0;
    return client;
  }

  /** Reports a loss once (pg emits both 'error' and 'end' for one), then reconnects after a growing pause. */
  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    void client.end().catch(() => {});
    if (this.#closed) return;
    this.#options.onError(error);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const delay = this.#options.retryMs * 2 ** Math.min(this.#failures, 4);
    this.#failures += 1;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (this.#closed) return;
      this.clientOrConnect().then(
        (client) => {
          if (client !== undefined) this.#options.onReconnected();
        },
        (error: unknown) => {
          this.#options.onError(error);
          this.#scheduleReconnect();
        },
      );
    }, delay);
    // A pending reconnect must not keep a process alive that has nothing else to do.
    this.#retry.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => {});
  }
}
