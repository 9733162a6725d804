// RFC 5080 §2.2.2 duplicate handling and SECURITY A3.7 reject timing, over real UDP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code } from '../../src/radius/code.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'duplicate-secret-77';
let server: TestServer;
let nas: RawRadiusClient;

before(async () => {
  server = await startTestServer({
    users: [{ name: 'alice', password: 'alice-pw' }],
    clients: [{ name: 'nas', address: '127.0.0.1', secret: SECRET }],
    config: { radius: { rejectDelayMs: 1000, rejectJitterMs: 100 } },
  });
  nas = await RawRadiusClient.open(server.port, SECRET);
});
after(async () => {
  nas.close();
  await server.stop();
});

const decisions = () => server.logs.filter((l) => l.event === 'radius.decision').length;

test('a retransmission after the answer gets the cached reply byte for byte, without reprocessing (RFC 5080 §2.2.2)', async () => {
  const request = nas.accessRequest({ user: 'alice', password: 'alice-pw' });
  const first = await nas.exchange(request, 2000);
  assert.ok(first);
  const seen = decisions();
  const resent = server.server.processor.counters.duplicatesResent;
  const second = await nas.exchange(request, 2000);
  assert.deepEqual(second, first);
  assert.equal(decisions(), seen, 'not processed again');
  assert.equal(server.server.processor.counters.duplicatesResent, resent + 1);
});

test('a retransmission while the request is in progress is absorbed: one reply only (SECURITY A3.1)', async () => {
  const request = nas.accessRequest({ user: 'alice', password: 'wrong' });
  const before = server.server.processor.counters.drops.DUPLICATE_IN_PROGRESS;
  const pending = nas.exchange(request, 3000);
  await new Promise((r) => setTimeout(r, 100));
  nas.send(request);
  nas.send(request);
  const reply = await pending;
  assert.ok(reply);
  assert.equal(decodeReply(reply).code, Code.AccessReject);
  assert.equal(server.server.processor.counters.drops.DUPLICATE_IN_PROGRESS, before + 2);
});

test('same Identifier with a new Request Authenticator is a new request (SECURITY A3.2)', async () => {
  const id = nas.identifier();
  const first = await nas.exchange(
    nas.accessRequest({ user: 'alice', password: 'alice-pw', identifier: id }),
    2000,
  );
  const seen = decisions();
  const second = await nas.exchange(
    nas.accessRequest({ user: 'alice', password: 'alice-pw', identifier: id }),
    2000,
  );
  assert.ok(first && second);
  assert.notDeepEqual(second, first);
  assert.equal(decisions(), seen + 1);
});

test('unknown user and wrong password are indistinguishable: same reply shape, both after the reject delay (A3.7, B #55)', async () => {
  const timed = async (user: string) => {
    const started = performance.now();
    const reply = await nas.exchange(nas.accessRequest({ user, password: 'not-it' }), 3000);
    return { ms: performance.now() - started, reply };
  };
  const results = await Promise.all([
    timed('alice'),
    timed('nobody-here'),
    timed('alice'),
    timed('nobody-else'),
  ]);
  for (const { ms, reply } of results) {
    assert.ok(reply);
    assert.ok(ms >= 1000, `reject came after ${ms} ms, before the 1 s delay`);
    assert.ok(ms < 4000, `reject took ${ms} ms`);
    const packet = decodeReply(reply);
    assert.equal(packet.code, Code.AccessReject);
    assert.equal(reply.length, results[0]!.reply!.length, 'same length');
    assert.deepEqual(
      packet.attributes.map((a) => a.type),
      [80],
      'only the Message-Authenticator: nothing tells the two apart',
    );
  }
  const reasons = server.logs.filter((l) => l.event === 'radius.decision').map((l) => l.reason);
  assert.ok(
    reasons.includes('USER_UNKNOWN') && reasons.includes('BAD_PASSWORD'),
    'the log still tells them apart',
  );
});
