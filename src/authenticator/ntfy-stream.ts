// Owns listening to a ntfy topic: its JSON stream, message bodies out of it, and reconnecting when it drops.
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NtfyTopic } from './account-store.js';
import { streamUrl } from './ntfy-topic.js';

export interface NtfyListener {
  /** The octets of one published message (untrusted: anyone who knows the topic can publish). */
  message(body: Uint8Array): void;
  /** A line for the user: subscribed, or why the stream is down and when it is tried again. */
  notice(text: string): void;
}

export interface NtfySubscription {
  close(): void;
}

/** ntfy sends a keepalive every 45 s by default: a stream silent for longer than two of them is dead. */
const IDLE_MS = 100_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
/** ntfy's messages are at most 4 KiB (base64 in the stream): a longer line is not ntfy's, and is not buffered. */
const MAX_LINE = 64 * 1024;

type StreamEvent =
  | { readonly kind: 'open' | 'keepalive' | 'other' }
  | { readonly kind: 'message'; readonly body: Uint8Array };

/** One line of the stream: `open`, `keepalive` or `message` (docs.ntfy.sh, "Subscribe via HTTP", JSON stream). */
function eventOf(line: string): StreamEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'other' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { kind: 'other' };
  const { event, message, encoding } = parsed as Record<string, unknown>;
  if (event === 'open' || event === 'keepalive') return { kind: event };
  if (event !== 'message' || typeof message !== 'string') return { kind: 'other' };
  // A UnifiedPush message that is not UTF-8 (an encrypted one) comes base64, marked `"encoding":"base64"`.
  return {
    kind: 'message',
    body: new Uint8Array(Buffer.from(message, encoding === 'base64' ? 'base64' : 'utf8')),
  };
}

/**
 * Subscribes to `topic` until closed: each message's body goes to `listener`; a stream that fails, ends or goes
 * silent is opened again after 1 s, doubling to a minute while it keeps failing (polling covers the gap).
 */
export function subscribeNtfy(topic: NtfyTopic, listener: NtfyListener): NtfySubscription {
  const url = streamUrl(topic);
  const request = url.startsWith('http:') ? httpRequest : httpsRequest;
  let retryMs = FIRST_RETRY_MS;
  let current: ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Ends `req` and schedules the next try; events of a request already given up are ignored. */
  const retry = (req: ClientRequest, why: string) => {
    if (closed || req !== current) return;
    current = undefined;
    req.destroy();
    listener.notice(
      `ntfy ${topic.topicUrl}: ${why}; trying again in ${retryMs / 1000} s (polling meanwhile)`,
    );
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const read = (req: ClientRequest, res: IncomingMessage) => {
    if (res.statusCode !== 200) {
      res.resume();
      retry(req, `the server answered ${res.statusCode}`);
      return;
    }
    let pending = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const event = eventOf(pending.slice(0, end));
        pending = pending.slice(end + 1);
        if (event.kind === 'open') {
          // Subscribed: the next failure starts its backoff afresh.
          retryMs = FIRST_RETRY_MS;
          listener.notice(`ntfy ${topic.topicUrl}: listening for pushes`);
        } else if (event.kind === 'message') listener.message(event.body);
      }
      if (pending.length > MAX_LINE) retry(req, 'a line longer than any ntfy message');
    });
    res.on('close', () => retry(req, 'the stream ended'));
  };

  const connect = () => {
    timer = undefined;
    if (closed) return;
    const req = request(url, {
      headers: { accept: 'application/x-ndjson' },
      ...(topic.ca === '' ? {} : { ca: topic.ca }),
      timeout: IDLE_MS,
    });
    current = req;
    req.on('response', (res) => read(req, res));
    req.on('timeout', () => retry(req, `silent for ${IDLE_MS / 1000} s`));
    req.on('error', (error) => retry(req, error.message));
    req.end();
  };

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      current?.destroy();
    },
  };
}
