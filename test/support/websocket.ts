// Just enough WebSocket (RFC 6455) for tests on loopback: text frames both ways, for a fake Mozilla push server
// (server side) and a WebDriver BiDi connection to Firefox (client side). Node 20 has no WebSocket of its own.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** RFC 6455 §1.3: the accept value for a client key. */
const accept = (key: string) =>
  createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

export interface TextSocket {
  send(text: string): void;
  onText(listener: (text: string) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

/** RFC 6455 §5.2: one frame; clients mask (§5.3), servers do not. */
function frame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const length = payload.length;
  const head = length < 126 ? Buffer.from([0x80 | opcode, length]) : Buffer.alloc(length < 65536 ? 4 : 10);
  if (length >= 126) {
    head[0] = 0x80 | opcode;
    if (length < 65536) {
      head[1] = 126;
      head.writeUInt16BE(length, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(length), 2);
    }
  }
  if (!mask) return Buffer.concat([head, payload]);
  head[1]! |= 0x80;
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([head, key, masked]);
}

function textSocket(socket: Socket, mask: boolean, initial: Buffer): TextSocket {
  const texts: ((text: string) => void)[] = [];
  const closes: (() => void)[] = [];
  let buffered = initial;
  let message: Buffer[] = [];
  const parse = () => {
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0]! & 0x0f;
      const fin = (buffered[0]! & 0x80) !== 0;
      const masked = (buffered[1]! & 0x80) !== 0;
      let length = buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      const keyAt = offset;
      if (masked) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buffered[keyAt + (i % 4)]!;
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x8) {
        socket.end();
        return;
      }
      if (opcode === 0x9) socket.write(frame(0xa, payload, mask));
      if (opcode === 0x1 || opcode === 0x0) {
        message.push(payload);
        if (fin) {
          const text = Buffer.concat(message).toString('utf8');
          message = [];
          for (const listener of texts) listener(text);
        }
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    parse();
  });
  socket.on('close', () => {
    for (const listener of closes) listener();
  });
  socket.on('error', () => socket.destroy());
  queueMicrotask(parse);
  return {
    send: (text) => {
      if (!socket.destroyed) socket.write(frame(0x1, Buffer.from(text, 'utf8'), mask));
    },
    onText: (listener) => texts.push(listener),
    onClose: (listener) => closes.push(listener),
    close: () => socket.destroy(),
  };
}

/** A WebSocket server on 127.0.0.1, port 0; `connected` gets each client. */
export async function startWebSocketServer(
  connected: (socket: TextSocket) => void,
): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.destroy();
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
    );
    connected(textSocket(socket, false, head));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Connects to `url` (ws://127.0.0.1:…). */
export function connectWebSocket(url: string): Promise<TextSocket> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const req = request(url.replace(/^ws:/, 'http:'), {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
      },
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== accept(key)) {
        socket.destroy();
        reject(new Error('bad WebSocket handshake'));
        return;
      }
      resolve(textSocket(socket, true, head));
    });
    req.on('response', (res) => reject(new Error(`WebSocket refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}
