// A Web Push service on loopback (RFC 8030 §5): records each message and answers with the status a test chooses.
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeSelfSigned } from '../../src/http/public-certificate.js';

export interface ReceivedPush {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface FakePushService {
  /** https://127.0.0.1:<port> */
  readonly origin: string;
  /** PEM of its self-signed certificate (give it to the server as push.serviceCaFile). */
  readonly certificate: string;
  readonly received: ReceivedPush[];
  /** The status for the next messages (201 by default); e.g. 410 for a gone subscription. */
  answerWith(status: number, headers?: Record<string, string>): void;
  /** Resolves with the next message to arrive (or one that already did and was not taken). */
  next(timeoutMs?: number): Promise<ReceivedPush>;
  stop(): Promise<void>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const tls = await makeSelfSigned(['127.0.0.1']);
  const received: ReceivedPush[] = [];
  let taken = 0;
  let status = 201;
  let extraHeaders: Record<string, string> = {};
  const waiters: (() => void)[] = [];
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks) });
      res.writeHead(status, extraHeaders).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    certificate: tls.cert,
    received,
    answerWith(next, headers = {}) {
      status = next;
      extraHeaders = headers;
    },
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= received.length) {
        if (Date.now() > deadline) throw new Error('no push message arrived');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 100);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received[taken++]!;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
