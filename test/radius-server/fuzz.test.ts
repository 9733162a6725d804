// Fuzz: 100,000 random and mutated datagrams at the real server (and 100,000 more through the pure read path);
// the server never throws, stays bounded, and still answers a good request afterwards. Deterministic per seed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code } from '../../src/radius/code.js';
import { decodePacket } from '../../src/radius/packet.js';
import { readLoginRequest } from '../../src/radius-server/read-login-request.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const COUNT = 100_000;

/** xorshift32: reproducible, fast, no dependency. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function mutate(next: () => number, seeds: readonly Uint8Array[]): Uint8Array {
  const choice = next() % 10;
  if (choice === 0) {
    const out = new Uint8Array(next() % 300);
    for (let i = 0; i < out.length; i++) out[i] = next() & 255;
    if (out.length > 0 && next() % 2 === 0) out[0] = 1;
    return out;
  }
  const seed = seeds[next() % seeds.length]!;
  let out = Uint8Array.from(seed);
  const flips = 1 + (next() % 4);
  for (let i = 0; i < flips; i++) {
    const at = next() % out.length;
    switch (next() % 4) {
      case 0:
        out[at] = next() & 255;
        break;
      case 1:
        out[at] = out[at]! ^ (1 << (next() % 8));
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      default: {
        const grown = new Uint8Array(out.length + 1 + (next() % 8));
        grown.set(out);
        for (let j = out.length; j < grown.length; j++) grown[j] = next() & 255;
        out = grown;
      }
    }
  }
  return out;
}

let server: TestServer;
let nas: RawRadiusClient;
let legacy: RawRadiusClient;

before(async () => {
  server = await startTestServer({
    users: [{ name: 'alice', password: 'alice-pw' }],
    clients: [
      { name: 'nas', address: '127.0.0.1', secret: 'fuzz-secret-0001' },
      {
        name: 'legacy',
        address: '127.0.0.2',
        secret: 'fuzz-secret-0002',
        requireMessageAuthenticator: false,
      },
    ],
    config: { radius: { maxInFlight: 64 }, log: { level: 'warn' } },
  });
  nas = await RawRadiusClient.open(server.port, 'fuzz-secret-0001', '127.0.0.1');
  legacy = await RawRadiusClient.open(server.port, 'fuzz-secret-0002', '127.0.0.2');
});
after(async () => {
  nas.close();
  legacy.close();
  await server.stop();
});

const seedPackets = (client: RawRadiusClient, ma: boolean) => [
  client.accessRequest({ user: 'alice', password: 'alice-pw', messageAuthenticator: ma }),
  client.accessRequest({
    user: 'nobody',
    password: 'x',
    messageAuthenticator: ma,
    extra: [{ type: 26, value: Uint8Array.of(0, 0, 0x30, 0x44, 1, 5, 65, 66, 67) }],
  }),
  client.accessRequest({
    user: 'alice',
    messageAuthenticator: ma,
    extra: [
      { type: 24, value: new Uint8Array(16) },
      { type: 33, value: Uint8Array.of(1) },
    ],
  }),
  client.accessRequest({
    user: 'alice',
    password: 'pw',
    messageAuthenticator: ma,
    extra: [
      { type: 241, value: Uint8Array.of(1, 2, 3) },
      { type: 245, value: Uint8Array.of(1, 0x80, 9) },
    ],
  }),
];

test(`the pure read path never throws on ${COUNT} random and mutated packets (seed ${SEED})`, () => {
  const next = prng(SEED);
  const seeds = [...seedPackets(nas, true), ...seedPackets(legacy, false)];
  let decoded = 0;
  for (let i = 0; i < COUNT; i++) {
    const datagram = mutate(next, seeds);
    const result = decodePacket(datagram);
    if (result.ok) {
      decoded++;
      readLoginRequest(result.packet, nas.secret, 'nas');
    }
  }
  assert.ok(decoded > COUNT / 10, `enough mutants decode to reach the content checks (${decoded})`);
});

test(`the server survives ${COUNT} random and mutated datagrams and still answers (seed ${SEED})`, async () => {
  const next = prng(SEED ^ 0xabcdef);
  const strictSeeds = seedPackets(nas, true);
  const legacySeeds = seedPackets(legacy, false);
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < COUNT; i++) {
    if (i % 2 === 0) nas.send(mutate(next, strictSeeds));
    else legacy.send(mutate(next, legacySeeds));
    // Sender and server share this process: pause now and then so the kernel buffer does not overflow.
    if (i % 100 === 0) {
      await new Promise((r) => setImmediate(r));
      while (i - server.server.processor.counters.received > 1000) await new Promise((r) => setTimeout(r, 1));
    }
  }
  const deadline = Date.now() + 20_000;
  while (server.server.processor.inFlight > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(server.server.processor.inFlight, 0, 'every request in flight finished');
  const counters = server.server.processor.counters;
  assert.ok(counters.received >= COUNT * 0.95, `the server saw the flood (${counters.received})`);
  const reply = await nas.exchange(nas.accessRequest({ user: 'alice', password: 'alice-pw' }), 3000);
  assert.ok(reply, 'still answers');
  assert.equal(decodeReply(reply).code, Code.AccessAccept);
  const growth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(growth < 200 * 1024 * 1024, `heap grew by ${Math.round(growth / 1048576)} MiB`);
});
