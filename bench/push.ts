// Owns `npm run bench:push`: many pushes pending in one server process, what each costs, and how fast answers land.
// Run with --expose-gc (the npm script does). Usage: npm run bench:push [-- --pending 100000 --answers 2000]
import { createECDH, createHash, createPrivateKey, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config.js';
import { answerSigningInput, base64url, pollSigningInput, signEs256 } from '../src/domain/push-protocol.js';
import { startServer } from '../src/main.js';
import { AttributeType } from '../src/radius/attribute-type.js';
import { Code } from '../src/radius/code.js';
import { type EncodableAttribute, encodeRequest, randomAuthenticator } from '../src/radius/encode.js';
import { hideUserPassword } from '../src/radius/user-password.js';
import { openStores } from '../src/store/open-stores.js';
import { createKeyFile } from '../src/store/sealer.js';
import { freeUdpPort } from './child-processes.js';

const { values } = parseArgs({
  options: { pending: { type: 'string', default: '100000' }, answers: { type: 'string', default: '2000' } },
});
const PENDING = Number(values.pending);
const ANSWERS = Math.min(Number(values.answers), PENDING);
const SECRET = new TextEncoder().encode('bench-push-secret-0123456789');
const text = (s: string) => new TextEncoder().encode(s);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:push does)');

function ssha256(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA256}${Buffer.concat([createHash('sha256').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

/** UDP sockets with a reply callback per (socket, identifier); a held request simply keeps its slot. */
class Nas {
  private readonly sockets: dgram.Socket[] = [];
  private readonly waiting = new Map<string, (reply: Buffer) => void>();
  constructor(private readonly port: number) {}
  async open(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const socket = dgram.createSocket('udp4');
      const index = i;
      socket.on('message', (m) => {
        const key = `${index}:${m[1]}`;
        const done = this.waiting.get(key);
        this.waiting.delete(key);
        done?.(m);
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      this.sockets.push(socket);
    }
  }
  send(
    socket: number,
    id: number,
    user: string,
    password: string | undefined,
    state?: Uint8Array,
  ): Promise<Buffer> {
    const datagram = this.request(id, user, password, state);
    return new Promise((resolve) => {
      this.waiting.set(`${socket}:${id}`, resolve);
      this.sockets[socket]!.send(datagram, this.port, '127.0.0.1');
    });
  }
  /** Sends without waiting: the client then holds nothing per request, so the heap shows the server's cost. */
  fire(socket: number, id: number, user: string, state: Uint8Array): void {
    this.sockets[socket]!.send(this.request(id, user, undefined, state), this.port, '127.0.0.1');
  }
  private request(id: number, user: string, password: string | undefined, state?: Uint8Array): Uint8Array {
    const authenticator = randomAuthenticator();
    const attributes: EncodableAttribute[] = [{ type: AttributeType.UserName, value: text(user) }];
    if (password !== undefined) {
      attributes.push({
        type: AttributeType.UserPassword,
        value: hideUserPassword(text(password), SECRET, authenticator),
      });
    }
    if (state !== undefined) attributes.push({ type: AttributeType.State, value: state });
    return encodeRequest({
      code: Code.AccessRequest,
      identifier: id,
      secret: SECRET,
      attributes,
      authenticator,
      messageAuthenticator: true,
    });
  }
  close(): void {
    for (const s of this.sockets) s.close();
  }
}

const stateOf = (reply: Buffer): Uint8Array => {
  for (let i = 20; i < reply.length; i += reply[i + 1]!) {
    if (reply[i] === AttributeType.State) return new Uint8Array(reply.subarray(i + 2, i + reply[i + 1]!));
  }
  throw new Error(`no State in reply code ${reply[0]}`);
};
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const ms = (ns: bigint) => Number(ns) / 1e6;

async function papLatency(nas: Nas, count: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const reply = await nas.send(0, i & 255, 'pap', 'pap-pw');
    if (reply[0] !== Code.AccessAccept) throw new Error('PAP login refused');
    times.push(ms(process.hrtime.bigint() - start));
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

const dir = mkdtempSync(join(tmpdir(), 'assent-bench-push-'));
try {
  const publicPort = await freeUdpPort(); // a free port number; TCP 4433-style listener binds it
  const loaded = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      dataDir: dir,
      radius: { bind: ['127.0.0.1'], authPort: 0, accountingPort: null, rejectDelayMs: 0, rejectJitterMs: 0 },
      http: {
        public: { bind: '127.0.0.1', port: publicPort, rateLimitPerSecond: 100_000 },
        admin: { bind: '127.0.0.1', port: 0 },
      },
      push: {
        publicUrl: `https://127.0.0.1:${publicPort}`,
        timeoutSeconds: 600,
        maxPerUser: 100,
        maxPending: PENDING + 10,
      },
      passwords: { upgradeLegacyHashes: false },
      // A push never outlives its challenge: both windows are long, so nothing expires while 100,000 are made.
      secondFactor: { challengeSeconds: 600 },
      log: { level: 'warn' },
    },
  });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const config = loaded.config;
  createKeyFile(config.secrets.keyFile);
  const deviceKey = createECDH('prime256v1');
  deviceKey.generateKeys();
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: deviceKey.getPublicKey().subarray(1, 33).toString('base64url'),
    y: deviceKey.getPublicKey().subarray(33).toString('base64url'),
    d: deviceKey.getPrivateKey().toString('base64url'),
  };
  const signingKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const hash = ssha256('pw');
  const stores = openStores(config);
  await stores.clients.add({ name: 'nas', address: '127.0.0.1', secret: SECRET, nasTimeout: 900 });
  await stores.users.upsertMany([
    { name: 'pap', passwordHash: ssha256('pap-pw') },
    ...Array.from({ length: PENDING }, (_, i) => ({ name: `u${i}`, passwordHash: hash })),
  ]);
  stores.sqlite!.transaction(() => {
    for (let i = 0; i < PENDING; i++) {
      // The SQLite adapter answers (or throws) at once: there is nothing to wait for inside its transaction.
      void stores.pushDevices.add({
        id: `ASNP${String(i).padStart(8, '0')}`,
        userName: `u${i}`,
        publicKey: new Uint8Array(deviceKey.getPublicKey()),
        delivery: { kind: 'poll' },
        label: '',
      });
    }
  })();
  await stores.close();

  const server = await startServer(config, pino({ level: 'warn' }));
  const port = server.sockets[0]!.port;
  const nas = new Nas(port);
  const sockets = Math.ceil(PENDING / 250) + 1;
  await nas.open(sockets);
  await papLatency(nas, 500); // warm-up
  const papBefore = await papLatency(nas, 3000);

  // Socket s > 0 carries users (s-1)*250 … : identifier = index within the socket, two steps each. A first round
  // only challenges, so every user has been seen once (user cache, token holders) before the baseline: what is
  // measured then is what a pending push adds (its own challenge, transaction, wait and held request), not what a
  // first login adds. The first round's challenges stay open in both measurements, so they cancel out.
  let next = 0;
  const worker = (push: boolean) => async () => {
    for (;;) {
      const i = next++;
      if (i >= PENDING) return;
      const socket = 1 + Math.floor(i / 250);
      const id = i % 250;
      const challenge = await nas.send(socket, id, `u${i}`, 'pw');
      if (challenge[0] !== Code.AccessChallenge)
        throw new Error(`u${i}: no challenge (code ${challenge[0]})`);
      if (push) nas.fire(socket, id, `u${i}`, stateOf(challenge)); // held until answered
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker(false)));
  next = 0;
  gc();
  const heapBefore = process.memoryUsage();
  if (process.env.BENCH_PUSH_SNAPSHOT)
    (await import('node:v8')).writeHeapSnapshot(`${process.env.BENCH_PUSH_SNAPSHOT}.before`);
  const started = Date.now();
  await Promise.all(Array.from({ length: 64 }, worker(true)));
  // A datagram lost to a full socket buffer is never held (the bench does not retransmit): wait a bounded time.
  for (let waited = 0; server.processor.heldCount < PENDING && waited < 20_000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const fillSeconds = (Date.now() - started) / 1000;
  const heldAtFill = server.processor.heldCount;
  gc();
  const heapAfter = process.memoryUsage();
  if (process.env.BENCH_PUSH_SNAPSHOT)
    (await import('node:v8')).writeHeapSnapshot(process.env.BENCH_PUSH_SNAPSHOT);
  const papDuring = await papLatency(nas, 3000);

  // Answers over HTTPS (keep-alive), timed from sending the answer to the Access-Accept datagram arriving.
  const agent = new Agent({ keepAlive: true, maxSockets: 32, rejectUnauthorized: false });
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: publicPort,
          path,
          method,
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let t = '';
          res.on('data', (d: Buffer) => {
            t += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const sessionOf = async (i: number) => {
    const device = `ASNP${String(i).padStart(8, '0')}`;
    const time = new Date().toISOString();
    const nonce = base64url.encode(randomBytes(16));
    const signature = base64url.encode(signEs256(signingKey, pollSigningInput(device, time, nonce)!));
    const r = await call(
      'GET',
      `/device/v1/pending?${new URLSearchParams({ device_id: device, time, nonce, signature })}`,
    );
    const envelope = (JSON.parse(r.body) as { requests: { request: string }[] }).requests[0];
    if (envelope === undefined) return undefined; // this user's held request was lost on the way
    return {
      i,
      device,
      session: (JSON.parse(Buffer.from(envelope.request, 'base64url').toString()) as { session_id: string })
        .session_id,
    };
  };
  const approve = (device: string, session: string) => {
    const unsigned = {
      session_id: session,
      device_id: device,
      decision: 'approve' as const,
      reason: '' as const,
      number: '',
      time: new Date().toISOString(),
    };
    return call('POST', '/device/v1/answer', {
      ...unsigned,
      signature: base64url.encode(signEs256(signingKey, answerSigningInput(unsigned)!)),
    });
  };
  const targets: { i: number; device: string; session: string }[] = [];
  for (let i = 0; targets.length < ANSWERS && i < PENDING; i++) {
    const target = await sessionOf(i);
    if (target !== undefined) targets.push(target);
  }
  // The held request's reply arrives on the user's socket and identifier: wait for it there.
  const acceptOf = (i: number) =>
    new Promise<Buffer>((resolve) =>
      (nas as unknown as { waiting: Map<string, (b: Buffer) => void> }).waiting.set(
        `${1 + Math.floor(i / 250)}:${i % 250}`,
        resolve,
      ),
    );
  const latencies: number[] = [];
  const half = Math.floor(targets.length / 2);
  for (let i = 0; i < half; i++) {
    const accepted = acceptOf(targets[i]!.i);
    const start = process.hrtime.bigint();
    const [answered, reply] = await Promise.all([approve(targets[i]!.device, targets[i]!.session), accepted]);
    latencies.push(ms(process.hrtime.bigint() - start));
    if (answered.status !== 200 || reply[0] !== Code.AccessAccept)
      throw new Error(`answer ${i}: ${answered.status} ${reply[0]}`);
  }
  latencies.sort((a, b) => a - b);
  const cpuBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let k = half;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (;;) {
        const i = k++;
        if (i >= targets.length) return;
        const accepted = acceptOf(targets[i]!.i);
        await approve(targets[i]!.device, targets[i]!.session);
        await accepted;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const count = targets.length - half;

  const perPending = (heapAfter.heapUsed - heapBefore.heapUsed) / heldAtFill;
  const rssPer = (heapAfter.rss - heapBefore.rss) / heldAtFill;
  const lines = [
    `push bench: ${heldAtFill} of ${PENDING} pushes pending in one process (node ${process.version}, ${new Date().toISOString()})`,
    `  filled in ${fillSeconds.toFixed(1)} s; held requests ${heldAtFill}`,
    `  memory per pending login: heap ${(perPending / 1024).toFixed(2)} KiB, RSS ${(rssPer / 1024).toFixed(2)} KiB (target ≤ 2 KB)`,
    `  PAP latency without pending: p50 ${papBefore.p50.toFixed(3)} ms, p99 ${papBefore.p99.toFixed(3)} ms`,
    `  PAP latency with ${PENDING} pending: p50 ${papDuring.p50.toFixed(3)} ms, p99 ${papDuring.p99.toFixed(3)} ms (ratio p50 ${(papDuring.p50 / papBefore.p50).toFixed(2)})`,
    `  answer sent → Access-Accept received, one at a time (${half}): p50 ${quantile(latencies, 0.5).toFixed(3)} ms, p99 ${quantile(latencies, 0.99).toFixed(3)} ms`,
    `  approvals with 32 in flight (${count}): ${(count / seconds).toFixed(0)}/s, ${((cpu.user + cpu.system) / count).toFixed(0)} µs CPU each (server and this client together)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  nas.close();
  agent.destroy();
  await server.close(1000);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
