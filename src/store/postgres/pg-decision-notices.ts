// Owns LISTENing for decided pushes on PostgreSQL, so the node holding a RADIUS request hears another node's decision.
import type pg from 'pg';
import type { DecisionListener, DecisionNotices } from '../../domain/push-transaction.js';
import { PUSH_DECIDED_CHANNEL } from './pg-transaction-store.js';

export interface PgDecisionNoticesOptions {
  /** A connection of its own: a pooled one would lose LISTEN when it goes back to the pool. */
  readonly connect: () => Promise<pg.Client>;
  /** How long to wait before connecting again after the connection failed (doubles up to 16×). */
  readonly retryMs: number;
  /** A lost connection or a failed reconnect: reported; the notices reconnect and report `missed`. */
  readonly onError: (error: unknown) => void;
}

/**
 * One connection LISTENs on `assent_push_decided`. PostgreSQL sends a notification at commit to every listening
 * session, so a decision is heard within a round trip of being made. A notification sent while this node was
 * reconnecting is lost: after reconnecting the listener is told `missed`, and re-reads the transactions it waits
 * for (push-wiring.ts). The change feed (pg-change-feed.ts) manages its connection the same way.
 */
export class PgDecisionNotices implements DecisionNotices {
  readonly #options: PgDecisionNoticesOptions;
  #listener: DecisionListener | undefined;
  #client: pg.Client | undefined;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: PgDecisionNoticesOptions) {
    this.#options = options;
  }

  async start(listener: DecisionListener): Promise<void> {
    this.#listener = listener;
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = await this.#options.connect();
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('push decision connection ended')));
    client.on('notification', (message) => {
      if (message.channel === PUSH_DECIDED_CHANNEL && message.payload !== undefined) {
        this.#listener?.decided(message.payload);
      }
    });
    try {
      await client.query(`LISTEN ${PUSH_DECIDED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#failures = 0;
  }

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
      this.#connect().then(
        () => this.#listener?.missed(),
        (error: unknown) => {
          this.#options.onError(error);
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#retry.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#listener = undefined;
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => {});
  }
}
