// A Mozilla push server on loopback (the protocol Firefox speaks to autopush over a WebSocket: hello, register,
// notification, ack), so Firefox gets a real Web Push subscription. Its endpoints are paths on a fake Web Push
// service the Assent server trusts; what Assent posts there (RFC 8291 encrypted) is forwarded to Firefox as is.
import { randomBytes } from 'node:crypto';
import type { FakePushService } from './fake-push-service.js';
import { startWebSocketServer, type TextSocket } from './websocket.js';

export interface FakeMozillaPush {
  /** ws://127.0.0.1:<port>/: Firefox's dom.push.serverURL. */
  readonly url: string;
  /** Every protocol message Firefox sent, in order (for the test's diagnostics). */
  readonly log: string[];
  /** Messages forwarded to Firefox and acknowledged by it. */
  readonly acked: string[];
  stop(): Promise<void>;
}

export async function startFakeMozillaPush(endpoints: FakePushService): Promise<FakeMozillaPush> {
  const log: string[] = [];
  const acked: string[] = [];
  let browser: TextSocket | undefined;
  const uaid = randomBytes(16).toString('hex');
  const server = await startWebSocketServer((socket) => {
    browser = socket;
    socket.onText((text) => {
      log.push(text);
      const message = JSON.parse(text) as Record<string, unknown>;
      switch (message.messageType) {
        case 'hello':
          socket.send(
            JSON.stringify({ messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} }),
          );
          break;
        case 'register':
          socket.send(
            JSON.stringify({
              messageType: 'register',
              channelID: message.channelID,
              status: 200,
              pushEndpoint: `${endpoints.origin}/mozilla/${String(message.channelID)}`,
            }),
          );
          break;
        case 'unregister':
          socket.send(
            JSON.stringify({ messageType: 'unregister', channelID: message.channelID, status: 200 }),
          );
          break;
        case 'ack':
          for (const update of (message.updates ?? []) as { version: string }[]) acked.push(update.version);
          break;
        default:
          if (Object.keys(message).length === 0) socket.send('{}'); // ping
      }
    });
  });
  let stopped = false;
  // Forwards each message posted to an endpoint: the body (aes128gcm) as base64url `data`.
  void (async () => {
    while (!stopped) {
      const posted = await endpoints.next(1_000).catch(() => undefined);
      if (posted === undefined || browser === undefined) continue;
      const channelID = /^\/mozilla\/([^/?]+)/.exec(posted.path)?.[1];
      if (channelID === undefined) continue;
      browser.send(
        JSON.stringify({
          messageType: 'notification',
          channelID,
          version: randomBytes(8).toString('hex'),
          data: posted.body.toString('base64url'),
          headers: { encoding: posted.headers['content-encoding'] ?? 'aes128gcm' },
        }),
      );
    }
  })();
  return {
    url: `ws://127.0.0.1:${server.port}/`,
    log,
    acked,
    async stop() {
      stopped = true;
      browser?.close();
      await server.stop();
    },
  };
}
