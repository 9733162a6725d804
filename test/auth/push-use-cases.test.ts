// The push use cases with in-memory stores: enrollment, start, a device's signed answer, polling (docs/push.md,
// SECURITY B5 #56–#61 at the use-case level; the HTTP and RADIUS paths are tested through the real server).
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { createAnswerPush } from '../../src/auth/answer-push.js';
import { createActivateDevice, createActivation } from '../../src/auth/enroll-device.js';
import { createPollPushes } from '../../src/auth/poll-pushes.js';
import { PushLimits } from '../../src/auth/push-limits.js';
import { createStartPush } from '../../src/auth/start-push.js';
import {
  answerSigningInput,
  base64url,
  openEnvelope,
  type PushAnswer,
  pollSigningInput,
  rawPublicKey,
  signEs256,
} from '../../src/domain/push-protocol.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { MemoryTransactionStore } from '../../src/store/memory/memory-transaction-store.js';

const PUBLIC_URL = 'https://assent.test:4433';
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

function world(nowMs = Date.now()) {
  let now = nowMs;
  const clock = () => now;
  const devices = new MemoryPushDeviceStore({ now: () => new Date(now) });
  const transactions = new MemoryTransactionStore();
  const limits = new PushLimits({ maxPerUser: 3, rateWindowSeconds: 300, muteMinutes: 20 });
  const server = p256();
  const log: string[] = [];
  const start = createStartPush({
    devices,
    transactions,
    limits,
    settings: { publicUrl: PUBLIC_URL },
    serverKey: server.privateKey,
    sender: undefined,
    events: { sent: () => {}, started: (t) => log.push(`started ${t.id}`) },
  });
  const answer = createAnswerPush({
    devices,
    transactions,
    limits,
    now: clock,
    events: {
      refused: (check) => log.push(`refused ${check}`),
      decided: (t) => log.push(`decided ${t.status}`),
      notMe: (t) => log.push(`not_me ${t.userName}`),
    },
  });
  const activate = createActivateDevice(
    devices,
    {
      publicUrl: PUBLIC_URL,
      serverName: 'Assent',
      serverKey: rawPublicKey(server.publicKey),
      vapidPublicKey: '',
    },
    { refused: (check) => log.push(`refused ${check}`), enrolled: () => {} },
    () => new Date(now),
  );
  const poll = createPollPushes({
    devices,
    transactions,
    publicUrl: PUBLIC_URL,
    serverKey: server.privateKey,
    refused: (check) => log.push(`refused ${check}`),
    now: clock,
  });
  return {
    devices,
    transactions,
    limits,
    server,
    log,
    start,
    answer,
    activate,
    poll,
    clock,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

type World = ReturnType<typeof world>;

async function enroll(w: World, user: string): Promise<{ id: string; key: KeyObject }> {
  const { code } = await createActivation(w.devices, PUBLIC_URL, user, '', new Date(w.clock()));
  const keys = p256();
  const reply = await w.activate(
    code,
    { public_key: base64url.encode(rawPublicKey(keys.publicKey)), delivery: { kind: 'poll' } },
    '127.0.0.1',
  );
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return { id: (reply.body as { device_id: string }).device_id, key: keys.privateKey };
}

async function push(w: World, user: string, id = `txn-${user}-${w.clock()}`, number = '') {
  const now = w.clock();
  const started = await w.start({
    transactionId: id,
    userName: user,
    clientName: 'fw1',
    userIp: '198.51.100.7',
    number,
    now,
    deadline: now + 60_000,
  });
  assert.ok(started.ok, JSON.stringify(started));
  return started.transaction;
}

function signed(
  w: World,
  device: { id: string; key: KeyObject },
  sessionId: string,
  fields: Partial<Omit<PushAnswer, 'signature' | 'session_id' | 'device_id'>> = {},
): PushAnswer {
  const unsigned = {
    session_id: sessionId,
    device_id: device.id,
    decision: 'approve' as const,
    reason: '' as const,
    number: '',
    time: new Date(w.clock()).toISOString(),
    ...fields,
  };
  return { ...unsigned, signature: base64url.encode(signEs256(device.key, answerSigningInput(unsigned)!)) };
}

test('enrollment: a code works once, for its user only, within 10 minutes; a bad key is a 400', async () => {
  const w = world();
  const { code } = await createActivation(w.devices, PUBLIC_URL, 'alice', 'phone', new Date(w.clock()));
  const body = { public_key: base64url.encode(rawPublicKey(p256().publicKey)), delivery: { kind: 'poll' } };
  assert.equal((await w.activate(code, { ...body, public_key: 'AAAA' }, 'ip')).status, 400);
  const first = await w.activate(code, body, 'ip');
  assert.equal(first.status, 201);
  assert.equal((first.body as { user: string }).user, 'alice');
  assert.deepEqual(await w.activate(code, body, 'ip'), { status: 401, body: { error: 'unauthorized' } });
  const late = await createActivation(w.devices, PUBLIC_URL, 'bob', '', new Date(w.clock()));
  w.advance(10 * 60_000 + 1);
  assert.equal((await w.activate(late.code, body, 'ip')).status, 401, 'expired');
  assert.equal(w.devices.listForUser('alice')[0]?.label, 'phone');
});

test("an approve signed by the user's device decides once; the same again gets the same 200; another gets 409 (B5 #57)", async () => {
  const w = world();
  const device = await enroll(w, 'alice');
  const txn = await push(w, 'alice');
  const approve = signed(w, device, txn.sessionId);
  assert.deepEqual(await w.answer(approve, 'ip'), { status: 200, body: { result: 'approved' } });
  assert.deepEqual(await w.answer(approve, 'ip'), { status: 200, body: { result: 'approved' } });
  const deny = signed(w, device, txn.sessionId, { decision: 'deny' });
  assert.deepEqual(await w.answer(deny, 'ip'), {
    status: 409,
    body: { error: 'already_decided', result: 'approved' },
  });
  assert.equal(w.transactions.byId(txn.id)?.status, 'approved');
});

test('a deny turned into an approve under the old signature, a foreign device, a bad signature: one uniform 401 (B5 #59, #60)', async () => {
  const w = world();
  const alice = await enroll(w, 'alice');
  const mallory = await enroll(w, 'mallory');
  const txn = await push(w, 'alice');
  const deny = signed(w, alice, txn.sessionId, { decision: 'deny' });
  const unauthorized = { status: 401, body: { error: 'unauthorized' } };
  assert.deepEqual(await w.answer({ ...deny, decision: 'approve' }, 'ip'), unauthorized);
  assert.deepEqual(await w.answer(signed(w, mallory, txn.sessionId), 'ip'), unauthorized);
  assert.deepEqual(
    await w.answer({ ...signed(w, alice, txn.sessionId), signature: 'bad!' }, 'ip'),
    unauthorized,
  );
  assert.deepEqual(await w.answer(signed(w, alice, 'no-such-session'), 'ip'), unauthorized);
  assert.deepEqual(await w.answer({}, 'ip'), unauthorized);
  assert.deepEqual(await w.answer(null, 'ip'), unauthorized);
  assert.equal(w.transactions.byId(txn.id)?.status, 'push-sent', 'nothing decided it');
  assert.ok(w.log.includes('refused signature') && w.log.includes('refused foreign_device'), w.log.join());
});

test('an answer after the deadline, or with a time 2 minutes off, is a 401 (B5 #56, #61)', async () => {
  const w = world();
  const device = await enroll(w, 'alice');
  const txn = await push(w, 'alice');
  const old = signed(w, device, txn.sessionId);
  w.advance(120_000);
  assert.equal((await w.answer(old, 'ip')).status, 401, 'time two minutes off');
  assert.equal((await w.answer(signed(w, device, txn.sessionId), 'ip')).status, 401, 'past the deadline');
});

test('"this wasn\'t me" denies and mutes the user; a wrong matching number is a deny (A7.8, B5 #58)', async () => {
  const w = world();
  const device = await enroll(w, 'alice');
  const txn = await push(w, 'alice', 'm1', '42');
  const wrong = signed(w, device, txn.sessionId, { number: '24' });
  assert.deepEqual(await w.answer(wrong, 'ip'), { status: 200, body: { result: 'denied' } });
  const second = await push(w, 'alice', 'm2');
  const notMe = signed(w, device, second.sessionId, { decision: 'deny', reason: 'not_me' });
  assert.deepEqual(await w.answer(notMe, 'ip'), { status: 200, body: { result: 'denied' } });
  assert.equal(w.transactions.byId('m2')?.reason, 'PUSH_NOT_ME');
  const muted = await w.start({
    transactionId: 'm3',
    userName: 'alice',
    clientName: 'fw1',
    userIp: '',
    number: '',
    now: w.clock(),
    deadline: w.clock() + 60_000,
  });
  assert.deepEqual(muted, { ok: false, reason: 'PUSH_MUTED' });
});

test('one pending push per user, then the rate limit (A7.7); no device means PUSH_UNAVAILABLE', async () => {
  const w = world();
  await enroll(w, 'alice');
  const first = await push(w, 'alice', 'p1');
  const attempt = (id: string) =>
    w.start({
      transactionId: id,
      userName: 'alice',
      clientName: 'fw1',
      userIp: '',
      number: '',
      now: w.clock(),
      deadline: w.clock() + 60_000,
    });
  assert.deepEqual(await attempt('p2'), { ok: false, reason: 'PUSH_PENDING' });
  assert.deepEqual(await attempt('p1'), { ok: true, transaction: first }, 'the same login attaches');
  w.transactions.decide('p1', { status: 'denied', reason: 'PUSH_DENIED' });
  await push(w, 'alice', 'p3');
  w.transactions.decide('p3', { status: 'denied', reason: 'PUSH_DENIED' });
  await push(w, 'alice', 'p4');
  w.transactions.decide('p4', { status: 'denied', reason: 'PUSH_DENIED' });
  assert.deepEqual(await attempt('p5'), { ok: false, reason: 'PUSH_RATE_LIMITED' });
  assert.deepEqual(
    await w.start({
      transactionId: 'x',
      userName: 'nobody',
      clientName: 'fw1',
      userIp: '',
      number: '',
      now: 0,
      deadline: 1,
    }),
    { ok: false, reason: 'PUSH_UNAVAILABLE' },
  );
});

test('polling returns the open requests signed by the server; a reused nonce or a stale time is a 401 (A8.5)', async () => {
  const w = world();
  const device = await enroll(w, 'alice');
  const txn = await push(w, 'alice');
  const query = (nonce: string, time = new Date(w.clock()).toISOString()) => ({
    device_id: device.id,
    time,
    nonce,
    signature: base64url.encode(signEs256(device.key, pollSigningInput(device.id, time, nonce)!)),
  });
  const reply = await w.poll(query('nonce-0123456789abcdef'), 'ip');
  assert.equal(reply.status, 200);
  const [envelope] = (reply.body as { requests: unknown[] }).requests;
  const request = openEnvelope(envelope, w.server.publicKey);
  assert.equal(request?.session_id, txn.sessionId);
  assert.equal(request?.reply_to, PUBLIC_URL);
  assert.equal(request?.user_ip, '198.51.100.7');
  assert.equal((await w.poll(query('nonce-0123456789abcdef'), 'ip')).status, 401, 'nonce reused');
  const stale = new Date(w.clock() - 120_000).toISOString();
  assert.equal((await w.poll(query('nonce-fedcba9876543210', stale), 'ip')).status, 401, 'two minutes old');
});
