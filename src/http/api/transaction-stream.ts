// Owns the Server-Sent Events stream of one `/api/v2/transactions` record: its state now, then its end, wherever
// the end is reached (this node, or another through the store's notice).
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { type ApiTransaction, ORPHAN_GRACE_MS } from '../../domain/api-transaction.js';

export interface StreamOptions {
  /** Reads the record as the routes do (a push orphaned past its deadline reads as ended). */
  read(id: string): Promise<ApiTransaction | undefined>;
  /** The store's listeners: `wake` when the record may have ended. */
  listen(id: string, wake: () => void): () => void;
  /** The record as the API shows it. */
  wire(t: ApiTransaction): unknown;
  readonly logger: Logger;
}

/**
 * Sends `found` and, while it is pending, waits for a wake (no polling), reads the record again and sends it
 * once ended; then closes. A comment line every 15 s keeps proxies from closing the stream.
 */
export function streamUntilEnded(reply: FastifyReply, found: ApiTransaction, options: StreamOptions): void {
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  // WHATWG HTML §9.2: `event:` names it, `data:` carries one JSON line, a blank line ends the event.
  const send = (t: ApiTransaction) =>
    out.write(`event: transaction\ndata: ${JSON.stringify(options.wire(t))}\n\n`);
  send(found);
  if (found.status !== 'pending') return void out.end();
  let done = false;
  let stop = () => {};
  const beat = setInterval(() => out.write(': keep-alive\n\n'), 15_000);
  // A push whose node died is never announced: read once more when `read` would call it expired.
  const orphan =
    found.expiresAt === null
      ? undefined
      : setTimeout(() => check(), Math.max(0, found.expiresAt + ORPHAN_GRACE_MS - Date.now()) + 1);
  const quit = () => {
    done = true;
    clearInterval(beat);
    clearTimeout(orphan);
    stop();
  };
  // Woken when the record may have ended (on this node or, through the store's notice, another): read it.
  const check = () => {
    if (done) return;
    options.read(found.id).then(
      (now) => {
        if (done || now?.status === 'pending') return;
        quit();
        if (now !== undefined) send(now);
        out.end();
      },
      (error: unknown) =>
        options.logger.warn({
          event: 'api.transaction_read_failed',
          txn: found.id,
          err: (error as Error).message,
        }),
    );
  };
  stop = options.listen(found.id, check);
  // It may have ended between the first read and the listener: one more read closes that gap.
  check();
  // A client that goes away: the response closes (the request's own close fires once its body is read).
  out.once('close', quit);
}
