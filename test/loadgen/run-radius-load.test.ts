// Tests the closed-loop generator against a tiny in-process RADIUS responder built with the codec.
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { runRadiusLoad } from '../../src/loadgen/run-radius-load.js';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { computePacketAuthenticator } from '../../src/radius/authenticator.js';
import { Code } from '../../src/radius/code.js';
import { encodeReply } from '../../src/radius/encode.js';
import { verifyRequestMessageAuthenticator } from '../../src/radius/message-authenticator.js';
import { decodePacket, findAttribute } from '../../src/radius/packet.js';
import { unhideUserPassword } from '../../src/radius/user-password.js';

const SECRET = new TextEncoder().encode('loadgen-test-secret');

type Fault = 'none' | 'response-authenticator' | 'message-authenticator' | 'drop-first';

interface Responder {
  port: number;
  /** Access-Requests that verified (MA present and valid, password `pw<i>` for `user<i>`). */
  valid: number;
  invalid: number;
  perUser: Map<string, number>;
  /** (source port, Identifier) → authenticators seen, to prove each request is new. */
  seen: Map<string, Set<string>>;
  repeatedAuthenticator: number;
  /** Which user names get a faulty reply. */
  faultFor: (user: string) => Fault;
  close(): Promise<void>;
}

async function startResponder(): Promise<Responder> {
  const socket: Socket = createSocket('udp4');
  const dropped = new Set<string>();
  const r: Responder = {
    port: 0,
    valid: 0,
    invalid: 0,
    perUser: new Map(),
    seen: new Map(),
    repeatedAuthenticator: 0,
    faultFor: () => 'none',
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const decoded = decodePacket(msg);
    if (!decoded.ok || !verifyRequestMessageAuthenticator(decoded.packet, SECRET)) {
      r.invalid++;
      return;
    }
    const p = decoded.packet;
    const user = new TextDecoder().decode(findAttribute(p, AttributeType.UserName)?.value);
    const hidden = findAttribute(p, AttributeType.UserPassword)?.value ?? new Uint8Array(0);
    const password = new TextDecoder().decode(unhideUserPassword(hidden, SECRET, p.authenticator));
    if (password !== user.replace('user', 'pw')) {
      r.invalid++;
      return;
    }
    const fault = r.faultFor(user);
    const key = `${from.port}/${p.identifier}`;
    const auth = Buffer.from(p.authenticator).toString('hex');
    if (fault === 'drop-first' && !dropped.has(key + auth)) {
      dropped.add(key + auth);
      return;
    }
    r.valid++;
    r.perUser.set(user, (r.perUser.get(user) ?? 0) + 1);
    const auths = r.seen.get(key) ?? new Set<string>();
    if (auths.has(auth) && fault !== 'drop-first') r.repeatedAuthenticator++;
    auths.add(auth);
    r.seen.set(key, auths);
    const reply = encodeReply({
      code: Code.AccessAccept,
      identifier: p.identifier,
      requestAuthenticator: p.authenticator,
      secret: SECRET,
      attributes: [],
    });
    if (fault === 'response-authenticator') reply[4]! ^= 0xff;
    if (fault === 'message-authenticator') {
      // Wrong MA under a Response Authenticator recomputed to match: only the MA check can catch it.
      reply[22]! ^= 0xff;
      reply.set(computePacketAuthenticator(reply, reply.length, p.authenticator, SECRET), 4);
    }
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  r.port = socket.address().port;
  return r;
}

describe('runRadiusLoad', () => {
  let responder: Responder;
  before(async () => {
    responder = await startResponder();
  });
  after(async () => {
    await responder.close();
  });

  it('stops at max-requests, counts every verified Access-Accept, and cycles users with fresh authenticators', async () => {
    responder.faultFor = () => 'none';
    responder.perUser.clear();
    responder.seen.clear();
    responder.repeatedAuthenticator = 0;
    const validBefore = responder.valid;
    const result = await runRadiusLoad({
      port: responder.port,
      secret: SECRET,
      users: 50,
      window: 16,
      sockets: 4,
      durationSeconds: 5,
      warmupSeconds: 0,
      maxRequests: 1000,
    });
    assert.equal(result.stoppedBy, 'max-requests');
    assert.equal(result.counts.accept, 1000);
    assert.deepEqual([result.counts.bad, result.counts.timeout, result.counts.stray], [0, 0, 0]);
    assert.equal(result.totals.requests, 1000);
    assert.equal(result.totals.repliesWithMessageAuthenticator, 1000);
    assert.equal(result.latency.count, 1000);
    assert.ok(result.requestsPerSecond > 0);
    assert.equal(responder.valid - validBefore, 1000);
    assert.equal(responder.perUser.size, 50);
    for (const n of responder.perUser.values()) assert.equal(n, 20);
    assert.equal(responder.repeatedAuthenticator, 0);
  });

  it('counts a reply whose Response Authenticator does not verify as bad, never as an answer', async () => {
    responder.faultFor = (user) => (user.endsWith('3') ? 'response-authenticator' : 'none');
    const result = await runRadiusLoad({
      port: responder.port,
      secret: SECRET,
      users: 10,
      window: 8,
      sockets: 2,
      durationSeconds: 0.6,
      warmupSeconds: 0,
      timeoutMs: 100,
    });
    assert.ok(result.counts.bad > 0, 'forged replies were counted as bad');
    // Each forged reply leaves its request in flight until it times out.
    assert.ok(result.counts.timeout > 0 && result.counts.timeout <= result.counts.bad);
    assert.ok(result.counts.accept > 0);
    assert.equal(result.stoppedBy, 'duration');
  });

  it('counts a reply with a valid Response Authenticator but a wrong Message-Authenticator as bad (RFC 3579 §3.2)', async () => {
    responder.faultFor = () => 'message-authenticator';
    const result = await runRadiusLoad({
      port: responder.port,
      secret: SECRET,
      window: 4,
      sockets: 1,
      durationSeconds: 0.4,
      warmupSeconds: 0,
      timeoutMs: 100,
    });
    assert.equal(result.counts.accept, 0);
    assert.ok(result.counts.bad >= 4);
    assert.ok(result.counts.timeout >= 4);
  });

  it('retransmits the same packet after the timeout, so a duplicate-caching server answers it', async () => {
    responder.faultFor = () => 'drop-first';
    const result = await runRadiusLoad({
      port: responder.port,
      secret: SECRET,
      users: 5,
      window: 4,
      sockets: 2,
      durationSeconds: 5,
      warmupSeconds: 0,
      maxRequests: 20,
      // Long enough that a busy machine (CI runs test files in parallel) answers the retransmission in time: at
      // 40 ms, 4 of 20 once timed out there. Five rounds of four still take about a second.
      timeoutMs: 200,
      retries: 1,
    });
    assert.equal(result.counts.accept, 20);
    assert.equal(result.counts.timeout, 0);
    assert.equal(result.totals.retransmissions, 20);
    assert.equal(result.totals.packetsSent, 40);
  });

  it('gives up after the last retransmission and counts a timeout', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const result = await runRadiusLoad({
        port: silent.address().port,
        secret: SECRET,
        window: 3,
        sockets: 1,
        durationSeconds: 5,
        warmupSeconds: 0,
        maxRequests: 3,
        timeoutMs: 30,
        retries: 2,
      });
      assert.equal(result.counts.timeout, 3);
      assert.equal(result.totals.retransmissions, 6);
      assert.equal(result.requestsPerSecond, 0);
    } finally {
      silent.close();
    }
  });

  it('refuses a target outside 127.0.0.0/8 and ::1, and names that would need a DNS lookup', async () => {
    for (const host of ['192.0.2.1', '::2', 'example.com']) {
      await assert.rejects(runRadiusLoad({ host, port: 1812, secret: SECRET }), {
        code: 'LOADGEN_INVALID_OPTIONS',
      });
    }
  });

  it('refuses a window larger than 256 Identifiers per socket (RFC 2865 §3)', async () => {
    await assert.rejects(runRadiusLoad({ port: 1812, secret: SECRET, window: 513, sockets: 2 }), {
      code: 'LOADGEN_INVALID_OPTIONS',
    });
  });
});
