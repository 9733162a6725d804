// Tests the TOTP flow generator (suffix and challenge) against an in-process RADIUS responder with a replay guard.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { runTotpFlowLoad } from '../../src/loadgen/challenge-flow.js';
import { deriveTotpKey } from '../../src/loadgen/totp-keys.js';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { Code } from '../../src/radius/code.js';
import { type EncodableAttribute, encodeReply } from '../../src/radius/encode.js';
import { verifyRequestMessageAuthenticator } from '../../src/radius/message-authenticator.js';
import { decodePacket, findAttribute } from '../../src/radius/packet.js';
import { unhideUserPassword } from '../../src/radius/user-password.js';

const SECRET = new TextEncoder().encode('flow-test-secret');
const SEED = Uint8Array.from(randomBytes(32));
const STEP = 59_000_000;
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

/** The oracle: otpauth's TOTP (SHA-1, 6 digits, 30 s) over the same derived key, at the step's start. */
function codeFor(user: number, step: number): string {
  const key = deriveTotpKey(SEED, user);
  const secret = new Secret({ buffer: key.slice().buffer });
  return TOTP.generate({ secret, algorithm: 'SHA1', digits: 6, period: 30, timestamp: step * 30_000 });
}

interface Responder {
  port: number;
  mode: 'suffix' | 'challenge';
  /** The step the responder treats as "now" (it accepts this one and the one before, like a ±1 window). */
  step: number;
  /** `user:step` already accepted: the replay guard. */
  used: Set<string>;
  replays: number;
  accepted: number;
  /** Users whose password the responder refuses. */
  refuse: Set<string>;
  /** Answer the password request with a Challenge that has no State. */
  omitState: boolean;
  /** Answer a refused code with a new Access-Challenge (another try) instead of an Access-Reject. */
  rechallenge: boolean;
  close(): Promise<void>;
}

async function startResponder(): Promise<Responder> {
  const socket: Socket = createSocket('udp4');
  const pending = new Map<string, string>();
  const r: Responder = {
    port: 0,
    mode: 'challenge',
    step: STEP,
    used: new Set(),
    replays: 0,
    accepted: 0,
    refuse: new Set(),
    omitState: false,
    rechallenge: false,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  const codeOk = (userName: string, code: string): boolean => {
    const index = Number(userName.replace('user', ''));
    for (const step of [r.step, r.step - 1]) {
      if (code !== codeFor(index, step)) continue;
      if (r.used.has(`${index}:${step}`)) {
        r.replays++;
        return false;
      }
      r.used.add(`${index}:${step}`);
      return true;
    }
    return false;
  };
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const decoded = decodePacket(msg);
    if (!decoded.ok || !verifyRequestMessageAuthenticator(decoded.packet, SECRET)) return;
    const p = decoded.packet;
    const user = text(findAttribute(p, AttributeType.UserName)?.value);
    const hidden = findAttribute(p, AttributeType.UserPassword)?.value ?? new Uint8Array(0);
    const password = text(unhideUserPassword(hidden, SECRET, p.authenticator));
    const state = findAttribute(p, AttributeType.State)?.value;
    const expected = user.replace('user', 'pw');
    let code: number = Code.AccessReject;
    const attributes: EncodableAttribute[] = [];
    if (r.mode === 'suffix') {
      const ok = password.slice(0, -6) === expected && codeOk(user, password.slice(-6));
      if (ok && !r.refuse.has(user)) code = Code.AccessAccept;
    } else if (state === undefined) {
      if (password === expected && !r.refuse.has(user)) {
        code = Code.AccessChallenge;
        const newState = randomBytes(16);
        pending.set(newState.toString('hex'), user);
        if (!r.omitState) attributes.push({ type: AttributeType.State, value: newState });
      }
    } else {
      const key = Buffer.from(state).toString('hex');
      // A State works once, and only for the user it was issued to.
      if (pending.get(key) === user && codeOk(user, password)) code = Code.AccessAccept;
      else if (r.rechallenge) {
        code = Code.AccessChallenge;
        attributes.push({ type: AttributeType.State, value: randomBytes(16) });
      }
      pending.delete(key);
    }
    if (code === Code.AccessAccept) r.accepted++;
    const reply = encodeReply({
      code,
      identifier: p.identifier,
      requestAuthenticator: p.authenticator,
      secret: SECRET,
      attributes,
    });
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  r.port = socket.address().port;
  return r;
}

describe('runTotpFlowLoad', () => {
  let responder: Responder;
  /** The generator's clock: the start of the responder's step plus 1 s. */
  let clockMs = STEP * 30_000 + 1000;
  const clock = () => clockMs;
  before(async () => {
    responder = await startResponder();
  });
  after(async () => {
    await responder.close();
  });
  beforeEach(() => {
    responder.step = STEP;
    responder.used.clear();
    responder.replays = 0;
    responder.accepted = 0;
    responder.refuse.clear();
    responder.omitState = false;
    responder.rechallenge = false;
    clockMs = STEP * 30_000 + 1000;
  });

  const run = (flow: 'suffix' | 'challenge', users: number, maxRequests: number) => {
    responder.mode = flow;
    return runTotpFlowLoad({
      port: responder.port,
      secret: SECRET,
      flow,
      keySeed: SEED,
      users,
      window: 8,
      sockets: 2,
      durationSeconds: 5,
      warmupSeconds: 0,
      maxRequests,
      // Generous: under a loaded CI machine a 200 ms limit timed out replies that did come, and the counts broke.
      timeoutMs: 2000,
      clock,
    });
  };

  it('challenge: echoes the State with the current code and completes one flow per two round trips', async () => {
    const result = await run('challenge', 40, 40);
    assert.equal(result.stoppedBy, 'max-requests');
    assert.equal(result.counts.completed, 40);
    assert.equal(result.roundTrips, 80);
    assert.equal(result.totals.packetsSent, 80);
    assert.deepEqual(
      [
        result.counts.rejectedPassword,
        result.counts.rejectedCode,
        result.counts.unexpected,
        result.counts.bad,
      ],
      [0, 0, 0, 0],
    );
    assert.equal(responder.accepted, 40);
    assert.equal(responder.used.size, 40);
    assert.equal(result.latency.count, 40);
  });

  it('suffix: sends the password followed by the current code in one request', async () => {
    const result = await run('suffix', 30, 30);
    assert.equal(result.counts.completed, 30);
    assert.equal(result.roundTrips, 30);
    assert.equal(responder.accepted, 30);
    assert.equal(responder.replays, 0);
  });

  it('never takes a user twice in one step: stops with users-exhausted instead of sending a replay', async () => {
    const result = await run('challenge', 5, 50);
    assert.equal(result.stoppedBy, 'users-exhausted');
    assert.equal(result.counts.completed, 5);
    assert.equal(responder.replays, 0);
    assert.equal(result.totals.flows, 5);
  });

  it("takes users again once the step has changed, with the new step's code", async () => {
    responder.mode = 'suffix';
    let moved = false;
    const result = await runTotpFlowLoad({
      port: responder.port,
      secret: SECRET,
      flow: 'suffix',
      keySeed: SEED,
      users: 4,
      window: 1,
      sockets: 1,
      durationSeconds: 5,
      warmupSeconds: 0,
      maxRequests: 8,
      // Generous: under a loaded CI machine a 200 ms limit timed out replies that did come, and the counts broke.
      timeoutMs: 2000,
      clock: () => {
        // After the fourth accepted login the clock (and the responder) move to the next step.
        if (!moved && responder.accepted === 4) {
          moved = true;
          responder.step = STEP + 1;
          clockMs += 30_000;
        }
        return clockMs;
      },
    });
    assert.equal(result.counts.completed, 8);
    assert.equal(responder.replays, 0);
    for (let user = 0; user < 4; user++) {
      assert.ok(responder.used.has(`${user}:${STEP}`));
      assert.ok(responder.used.has(`${user}:${STEP + 1}`));
    }
  });

  it('counts a refused password and a Challenge without State apart from completed flows', async () => {
    responder.refuse.add('user1');
    const refused = await run('challenge', 4, 4);
    assert.equal(refused.counts.completed, 3);
    assert.equal(refused.counts.rejectedPassword, 1);
    responder.used.clear();
    responder.refuse.clear();
    clockMs += 30_000;
    responder.step = STEP + 1;
    responder.omitState = true;
    const stateless = await run('challenge', 4, 4);
    assert.equal(stateless.counts.completed, 0);
    assert.equal(stateless.counts.unexpected, 4);
  });

  it('counts a code the server refuses with a new Access-Challenge as rejected at the code', async () => {
    await run('challenge', 3, 3);
    responder.rechallenge = true;
    // A second run in the same step, like a second generator process: the responder's guard sees replays.
    const again = await run('challenge', 3, 3);
    assert.equal(responder.replays, 3);
    assert.equal(again.counts.completed, 0);
    assert.equal(again.counts.rejectedCode, 3);
    assert.equal(again.counts.unexpected, 0);
  });

  it('refuses a non-loopback target and a password that leaves no room for the code', async () => {
    await assert.rejects(
      runTotpFlowLoad({ host: '10.0.0.1', port: 1812, secret: SECRET, flow: 'suffix', keySeed: SEED }),
      { code: 'LOADGEN_INVALID_OPTIONS' },
    );
    await assert.rejects(
      runTotpFlowLoad({
        port: responder.port,
        secret: SECRET,
        flow: 'suffix',
        keySeed: SEED,
        passwordFormat: 'x'.repeat(123),
      }),
      { code: 'LOADGEN_INVALID_OPTIONS' },
    );
  });
});
