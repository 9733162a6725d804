// Owns LISTENing for decided pushes on PostgreSQL, so the node holding a RADIUS request hears another node's decision.
import type pg from 'pg';
import type { DecisionListener, DecisionNotices } from '../../domain/push-transaction.js';
import { PgListeningConnection } from './pg-listening-connection.js';
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
 * for (push-wiring.ts). The connection and its reconnects are pg-listening-connection.ts's, shared with the change
 * feed.
 */
export class PgDecisionNotices implements DecisionNotices {
  readonly #connection: PgListeningConnection;
  #listener: DecisionListener | undefined;

  constructor(options: PgDecisionNoticesOptions) {
    this.#connection = new PgListeningConnection({
      connect: options.connect,
      channel: PUSH_DECIDED_CHANNEL,
      retryMs: options.retryMs,
      // The payload is the transaction's id (pg-transaction-store.ts): a notice without one names nothing.
      onNotification: (payload) => {
        if (payload !== undefined) this.#listener?.decided(payload);
      },
      onReconnected: () => this.#listener?.missed(),
      onError: options.onError,
      lostMessage: 'push decision connection ended',
    });
  }

  async start(listener: DecisionListener): Promise<void> {
    this.#listener = listener;
    await this.#connection.start();
  }

  close(): void {
    this.#listener = undefined;
    this.#connection.close();
  }
}
