// A child process for test/radius-server/udp-engines.test.ts: a batched socket that echoes each datagram from a
// timer, setImmediate or a promise (argv[2]), and a client that sends one datagram and prints how its wait ended.
// Alone in its process, so nothing else wakes the event loop: a reply left waiting for a wake-up shows as "timeout".
import dgram from 'node:dgram';
import { BatchUdpSocket, udpBatchAddon } from '../../src/radius-server/batch-udp-socket.js';

const addon = udpBatchAddon();
if (addon === null) throw new Error('the batched UDP addon is not built');
const defer: Record<string, (send: () => void) => void> = {
  timer: (send) => setTimeout(send, 5),
  immediate: (send) => setImmediate(send),
  promise: (send) => void Promise.resolve().then(send),
};
const later = defer[process.argv[2] ?? ''];
if (later === undefined) throw new Error('usage: deferred-echo.ts timer|immediate|promise');
const server: BatchUdpSocket = new BatchUdpSocket(
  addon,
  4,
  '127.0.0.1',
  0,
  1 << 20,
  (datagram, address, port) => later(() => server.send(datagram, port, address)),
  () => {},
);
const client = dgram.createSocket('udp4');
client.bind(0, '127.0.0.1', () => {
  const done = (outcome: string) => {
    process.stdout.write(`${outcome}\n`);
    client.close();
    server.close();
  };
  const timer = setTimeout(() => done('timeout'), 3000);
  client.once('message', (message) => {
    clearTimeout(timer);
    done(message.toString() === 'ping' ? 'echo' : 'wrong echo');
  });
  client.send('ping', server.port, '127.0.0.1');
});
