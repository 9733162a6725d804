// A ntfy server on loopback, as far as UnifiedPush uses one: publishing to a topic (507 for a `?up=1` publish to
// a topic nobody ever subscribed to), and each topic's JSON stream (`open`, `keepalive`, `message` lines, a binary
// body base64 with `"encoding":"base64"`). Records every publish for the test to inspect.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeSelfSigned } from '../../src/http/public-certificate.js';

export interface NtfyPublish {
  readonly topic: string;
  readonly query: URLSearchParams;
  /** Lower-case names, as received. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** What the fake answered. */
  readonly status: number;
}

/** A stream line as ntfy writes it. */
export interface NtfyEvent {
  readonly id: string;
  readonly time: number;
  readonly event: 'open' | 'keepalive' | 'message';
  readonly topic: string;
  readonly message?: string;
  readonly encoding?: 'base64';
}

export interface FakeNtfy {
  /** https://127.0.0.1:<port> */
  readonly origin: string;
  /** PEM of its self-signed certificate, subject `CN=localhost`: trusted beside the fake push service's own. */
  readonly certificate: string;
  readonly published: NtfyPublish[];
  /** Streams open on `topic` now. */
  subscribers(topic: string): number;
  /** Resolves once `topic` has an open stream (the authenticator is listening). */
  waitForSubscriber(topic: string, timeoutMs?: number): Promise<void>;
  /** Answers every publish with `status` instead (404: the topic is gone); undefined: behave as ntfy. */
  answerWith(status: number | undefined): void;
  /** Publishes `body` as anyone who knows the topic could. */
  publish(topic: string, body: Uint8Array): Promise<number>;
  /** Opens a stream as a subscriber would; its events collect in `events`. */
  subscribe(topic: string): Promise<{ events: NtfyEvent[]; close(): void }>;
  /** Ends every open stream (a dropped connection). */
  dropStreams(): void;
  stop(): Promise<void>;
}

const TOPIC = /^\/([-_A-Za-z0-9]{1,64})(\/json)?$/;

/** ntfy keeps a message's text when it is UTF-8 and marks anything else base64 (UnifiedPush's binary bodies). */
function eventFor(topic: string, body: Buffer): NtfyEvent {
  const base = { id: randomBytes(9).toString('base64url'), time: Math.floor(Date.now() / 1000), topic };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return { ...base, event: 'message', message: text };
  } catch {
    return { ...base, event: 'message', message: body.toString('base64'), encoding: 'base64' };
  }
}

export async function startFakeNtfy(options: { keepaliveMs?: number } = {}): Promise<FakeNtfy> {
  // Not CN=127.0.0.1: OpenSSL finds an issuer by subject, and the fake push service's certificate has that one.
  const tls = await makeSelfSigned(['localhost', '127.0.0.1']);
  const published: NtfyPublish[] = [];
  const streams = new Map<string, Set<ServerResponse>>();
  const everSubscribed = new Set<string>();
  let forced: number | undefined;

  const fanOut = (topic: string, event: NtfyEvent) => {
    for (const res of streams.get(topic) ?? []) res.write(`${JSON.stringify(event)}\n`);
  };

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const route = TOPIC.exec(url.pathname);
    if (route === null)
      return void res.writeHead(404).end('{"code":40401,"http":404,"error":"page not found"}');
    const topic = route[1]!;
    if (req.method === 'GET' && route[2] === '/json') {
      everSubscribed.add(topic);
      const open = streams.get(topic) ?? new Set();
      streams.set(topic, open.add(res));
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      const line = (event: 'open' | 'keepalive') =>
        res.write(
          `${JSON.stringify({ id: randomBytes(9).toString('base64url'), time: Math.floor(Date.now() / 1000), event, topic })}\n`,
        );
      line('open');
      const keepalive = setInterval(() => line('keepalive'), options.keepaliveMs ?? 30_000);
      res.on('close', () => {
        clearInterval(keepalive);
        open.delete(res);
      });
      return;
    }
    if ((req.method !== 'POST' && req.method !== 'PUT') || route[2] !== undefined)
      return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      // ntfy: a UnifiedPush publish to a topic that never had a subscriber is refused (abuse protection).
      const unsubscribed = url.searchParams.get('up') === '1' && !everSubscribed.has(topic);
      const status = forced ?? (unsubscribed ? 507 : 200);
      published.push({ topic, query: url.searchParams, headers, body, status });
      if (status !== 200) return void res.writeHead(status).end(`{"code":${status}01,"http":${status}}`);
      const event = eventFor(topic, body);
      fanOut(topic, event);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(event));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ntfy: FakeNtfy = {
    origin,
    certificate: tls.cert,
    published,
    subscribers: (topic) => streams.get(topic)?.size ?? 0,
    async waitForSubscriber(topic, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (ntfy.subscribers(topic) === 0) {
        if (Date.now() > deadline) throw new Error(`nobody subscribed to ${topic}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    answerWith(status) {
      forced = status;
    },
    publish(topic, body) {
      return new Promise((resolve, reject) => {
        const req = request(`${origin}/${topic}`, { method: 'POST', ca: tls.cert }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    subscribe(topic) {
      return new Promise((resolve, reject) => {
        const events: NtfyEvent[] = [];
        const req = request(`${origin}/${topic}/json`, { ca: tls.cert }, (res) => {
          let pending = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            pending += chunk;
            const lines = pending.split('\n');
            pending = lines.pop()!;
            for (const line of lines) events.push(JSON.parse(line) as NtfyEvent);
          });
          res.on('error', () => {});
          resolve({ events, close: () => req.destroy() });
        });
        req.on('error', reject);
        req.end();
      });
    },
    dropStreams() {
      for (const open of streams.values()) for (const res of open) res.destroy();
    },
    async stop() {
      ntfy.dropStreams();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return ntfy;
}
