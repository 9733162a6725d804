// The two ways the RADIUS sockets read and answer (radius.udpBatching): the batched addon (native/udp-batch.c)
// and Node's dgram must behave the same on the wire. Each case runs against both, on a real server over UDP.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Code } from '../../src/radius/code.js';
import { DecodeFailure } from '../../src/radius/decode-failure.js';
import { encodeRequest, randomAuthenticator } from '../../src/radius/encode.js';
import {
  BatchUdpSocket,
  batchUnavailableReason,
  udpBatchAddon,
} from '../../src/radius-server/batch-udp-socket.js';
import { DropReason } from '../../src/radius-server/drop-reason.js';
import { RawRadiusClient } from '../support/raw-radius-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'udp-engines-secret-1';
const DEFERRED_ECHO = fileURLToPath(new URL('../support/deferred-echo.ts', import.meta.url));

test('the batched UDP addon is built and loads here (npm ci builds it: Linux, cc, Node headers)', () => {
  assert.notEqual(udpBatchAddon(), null, batchUnavailableReason());
});

test('a reply sent outside a batch (from a timer, setImmediate, a promise) leaves at once', () => {
  for (const deferral of ['timer', 'immediate', 'promise']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', DEFERRED_ECHO, deferral], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    // Before the idle handle, a reply sent from setImmediate waited until the 3 s timer woke the loop.
    assert.equal(child.stdout.trim(), 'echo', `${deferral}: ${child.stdout}${child.stderr}`);
  }
});

test('a reply the socket cannot send is reported, not thrown (counted as repliesUnsent by the listener)', () => {
  const addon = udpBatchAddon();
  assert.ok(addon !== null, batchUnavailableReason());
  const unsent: number[] = [];
  const socket = new BatchUdpSocket(
    addon,
    4,
    '127.0.0.1',
    0,
    1 << 16,
    () => {},
    (n) => unsent.push(n),
  );
  try {
    // An IPv6 destination on an IPv4 socket: refused by the address parser, as the kernel would refuse it.
    socket.send(new Uint8Array(20), 1812, '::1');
    assert.deepEqual(unsent, [1]);
  } finally {
    socket.close();
  }
  // After close a send is refused the same way, and close twice is harmless.
  socket.send(new Uint8Array(20), 1812, '127.0.0.1');
  socket.close();
  assert.deepEqual(unsent, [1, 1]);
});

for (const engine of ['batched', 'dgram'] as const) {
  describe(`radius.udpBatching: ${engine === 'batched'}`, () => {
    let server: TestServer;
    let nas: RawRadiusClient;

    before(async () => {
      server = await startTestServer({
        users: [{ name: 'alice', password: 'alice-pw' }],
        clients: [{ name: 'nas', address: '127.0.0.1', secret: SECRET }],
        config: { radius: { udpBatching: engine === 'batched' } },
      });
      nas = await RawRadiusClient.open(server.port, SECRET);
    });
    after(async () => {
      nas.close();
      await server.stop();
    });

    test('the server uses that engine', () => {
      assert.equal(server.server.udp.engine, engine);
    });

    test('a right password is accepted, a wrong one rejected, both from the port the request came from', async () => {
      const accept = await nas.exchange(nas.accessRequest({ user: 'alice', password: 'alice-pw' }), 2000);
      assert.equal(accept?.[0], Code.AccessAccept);
      const reject = await nas.exchange(nas.accessRequest({ user: 'alice', password: 'wrong' }), 2000);
      assert.equal(reject?.[0], Code.AccessReject);
    });

    test('a burst of 300 requests from 3 sources is answered in full, each reply to its own source', async () => {
      const sources = await Promise.all([1, 2, 3].map(() => RawRadiusClient.open(server.port, SECRET)));
      try {
        const before = server.server.udp.batches();
        const waits = [];
        for (let i = 0; i < 100; i++) {
          for (const source of sources) {
            waits.push(source.exchange(source.accessRequest({ user: 'alice', password: 'alice-pw' }), 5000));
          }
        }
        const replies = await Promise.all(waits);
        assert.equal(replies.filter((reply) => reply?.[0] === Code.AccessAccept).length, 300);
        const [received, sent] = server.server.udp.batches();
        if (engine === 'batched') {
          // 300 datagrams, read in batches (fewer reads than datagrams), the replies sent in batches too.
          assert.ok(received - before[0] > 0 && received - before[0] < 300, `${received - before[0]} reads`);
          assert.ok(sent - before[1] > 0 && sent - before[1] < 300, `${sent - before[1]} sends`);
        } else {
          assert.deepEqual([received, sent], [0, 0]);
        }
      } finally {
        for (const source of sources) source.close();
      }
    });

    test('a datagram over 4096 octets is dropped as too long, and the server keeps answering', async () => {
      const malformed = () => server.server.processor.counters.malformed.get(DecodeFailure.TooLong) ?? 0;
      const was = malformed();
      const big = new Uint8Array(5000);
      big.set(nas.accessRequest({ user: 'alice', password: 'alice-pw' }));
      assert.equal(await nas.exchange(big, 300), undefined);
      assert.equal(malformed(), was + 1);
      const accept = await nas.exchange(nas.accessRequest({ user: 'alice', password: 'alice-pw' }), 2000);
      assert.equal(accept?.[0], Code.AccessAccept);
    });

    test('a retransmission gets the same reply again (the duplicate cache, RFC 5080 §2.2.2)', async () => {
      const request = nas.accessRequest({ user: 'alice', password: 'alice-pw' });
      const first = await nas.exchange(request, 2000);
      const again = await nas.exchange(request, 2000);
      assert.ok(first !== undefined && again !== undefined);
      assert.deepEqual(again, first);
    });

    test('an unknown client is dropped without a reply', async () => {
      const stranger = await RawRadiusClient.open(server.port, SECRET, '127.0.0.9');
      try {
        const request = stranger.accessRequest({ user: 'alice', password: 'alice-pw' });
        assert.equal(await stranger.exchange(request, 300), undefined);
        assert.ok(server.server.processor.counters.drops[DropReason.UnknownClient] >= 1);
      } finally {
        stranger.close();
      }
    });

    test('binding a port already in use fails with the address, port and a hint', async () => {
      await assert.rejects(
        startTestServer({ config: { radius: { authPort: server.port, udpBatching: engine === 'batched' } } }),
        /cannot listen for RADIUS auth on 127\.0\.0\.1 port \d+: EADDRINUSE \(port already in use/,
      );
    });

    test('binding an address this host does not have fails with the errno name', async () => {
      // Binding sends nothing: 192.0.2.1 (TEST-NET-1) is only named, never reached.
      await assert.rejects(
        startTestServer({ config: { radius: { bind: ['192.0.2.1'], udpBatching: engine === 'batched' } } }),
        /cannot listen for RADIUS auth on 192\.0\.2\.1 port 0: EADDRNOTAVAIL/,
      );
    });
  });

  test(`IPv6 (::1), radius.udpBatching: ${engine === 'batched'}: the source is matched as ::1 and answered`, async () => {
    const server = await startTestServer({
      users: [{ name: 'alice', password: 'alice-pw' }],
      clients: [{ name: 'nas6', address: '::1', secret: SECRET }],
      config: { radius: { bind: ['::1'], udpBatching: engine === 'batched' } },
    });
    const socket = dgram.createSocket({ type: 'udp6' });
    try {
      await new Promise<void>((resolve) => socket.bind(0, '::1', resolve));
      const authenticator = randomAuthenticator();
      const request = encodeRequest({
        code: Code.StatusServer,
        identifier: 7,
        secret: new TextEncoder().encode(SECRET),
        attributes: [],
        authenticator,
        messageAuthenticator: true,
      });
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply over IPv6')), 2000);
        socket.once('message', (message) => {
          clearTimeout(timer);
          resolve(message);
        });
        socket.send(request, server.port, '::1');
      });
      assert.equal(reply[0], Code.AccessAccept);
      assert.equal(reply[1], 7);
    } finally {
      socket.close();
      await server.stop();
    }
  });
}
