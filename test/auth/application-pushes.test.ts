// Pushes an application asks for (PROTOCOL §4.1): the same engine and limits as RADIUS, decisions as events, and
// "nobody can answer" when every push service failed and no device polls.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { type ApplicationOutcome, ApplicationPushes } from '../../src/auth/application-pushes.js';
import { rawPublicKey } from '../../src/domain/push-protocol.js';
import { authFixture } from '../support/auth-fixture.js';

function setup(push: NonNullable<Parameters<typeof authFixture>[0]>['push'] = {}) {
  const f = authFixture({ push });
  const pushes = new ApplicationPushes({
    holderOf: (typed) =>
      typed === 'alice' || typed === 'bob' ? { name: typed, groups: ['vpn'] } : undefined,
    push: f.push!,
    devices: f.devices,
    number: () => '42',
    now: f.clock.now,
  });
  f.waits.onDecision((txn, decision) => pushes.settled(txn, decision));
  const webPushDevice = (userName: string) =>
    f.devices.add({
      id: `ASNP9${String(f.devices.list().length).padStart(7, '0')}`,
      userName,
      publicKey: rawPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
      delivery: {
        kind: 'webpush',
        subscription: { endpoint: 'https://push.test/x', keys: { p256dh: 'p', auth: 'a' } },
      },
      label: '',
    });
  return { f, pushes, webPushDevice };
}

const input = (username: string, transactionId: string, withNumber = false) => ({
  username,
  clientName: 'portal',
  userIp: '198.51.100.9',
  transactionId,
  withNumber,
});

test('no such user, or no authenticator: PUSH_UNAVAILABLE, and no push is sent', async () => {
  const { f, pushes } = setup();
  assert.deepEqual(await pushes.start(input('carol', 'a'.repeat(32))), {
    ok: false,
    reason: 'PUSH_UNAVAILABLE',
  });
  assert.deepEqual(await pushes.start(input('alice', 'b'.repeat(32))), {
    ok: false,
    reason: 'PUSH_UNAVAILABLE',
  });
  assert.deepEqual(f.pushesStarted, []);
});

test('an approval reaches the listener as an Accept with the group attributes; listeners after the end hear at once', async () => {
  const { f, pushes } = setup();
  f.addPushDevice('alice');
  const txn = 'c'.repeat(32);
  const started = await pushes.start(input('alice', txn));
  assert.ok(started.ok);
  assert.equal(started.transaction.clientName, 'portal');
  assert.equal(started.transaction.userIp, '198.51.100.9');
  assert.equal(started.transaction.number, '');
  const heard: ApplicationOutcome[] = [];
  assert.ok(pushes.listen(txn, (o) => heard.push(o)));
  const decided = f.transactions.decide(txn, { status: 'approved', decidedBy: 'ASNP00000001' });
  assert.ok(decided.won);
  f.waits.settled(decided.transaction);
  assert.equal(heard.length, 1);
  assert.equal(heard[0]!.kind === 'decided' && heard[0]!.decision.kind, 'accept');
  pushes.listen(txn, (o) => heard.push(o));
  assert.equal(heard.length, 2);
  assert.equal(
    pushes.listen('d'.repeat(32), () => {}),
    false,
    'an unknown id has nothing to listen to',
  );
});

test('one pending push per user holds for applications too (A7.7); v2 may ask for a number (P7)', async () => {
  const { f, pushes } = setup();
  f.addPushDevice('alice');
  const first = await pushes.start(input('alice', 'e'.repeat(32), true));
  assert.ok(first.ok);
  assert.equal(first.transaction.number, '42');
  assert.deepEqual(await pushes.start(input('alice', 'f'.repeat(32))), {
    ok: false,
    reason: 'PUSH_PENDING',
    user: 'alice',
  });
});

test('every push service failed and no device polls: undeliverable, and the transaction can no longer be approved', async () => {
  const { f, pushes, webPushDevice } = setup();
  webPushDevice('bob');
  webPushDevice('bob');
  const txn = '1'.repeat(32);
  const started = await pushes.start(input('bob', txn));
  assert.ok(started.ok);
  const heard: ApplicationOutcome[] = [];
  pushes.listen(txn, (o) => heard.push(o));
  pushes.delivered(started.transaction, { kind: 'rejected', status: 403, detail: 'bad VAPID' });
  assert.deepEqual(heard, [], 'one device of two failed: the other may still deliver');
  pushes.delivered(started.transaction, { kind: 'failed', detail: 'ECONNREFUSED' });
  assert.deepEqual(heard, [{ kind: 'undeliverable', refused: true }]);
  assert.equal(f.transactions.byId(txn)?.status, 'expired');
  assert.equal(f.transactions.byId(txn)?.reason, 'PUSH_UNDELIVERED');
  assert.equal(f.transactions.decide(txn, { status: 'approved' }).won, false, 'a late approve is a no-op');
  assert.equal(f.waits.has(txn), false, 'the wait is released');
});

test('a device that polls keeps the wait open when push services fail', async () => {
  const { f, pushes, webPushDevice } = setup();
  webPushDevice('alice');
  f.addPushDevice('alice');
  const txn = '2'.repeat(32);
  const started = await pushes.start(input('alice', txn));
  assert.ok(started.ok);
  pushes.delivered(started.transaction, { kind: 'failed', detail: 'ECONNREFUSED' });
  assert.equal(pushes.outcomeOf(txn), undefined);
  assert.equal(f.transactions.byId(txn)?.status, 'push-sent');
});

test('a caller that shows numbers gets one when the site requires it, asked or not; v1 never does (A7.7)', async () => {
  const misses = new Set(['alice']);
  const { f, pushes } = setup({ numberRequired: (name: string) => Promise.resolve(misses.has(name)) });
  f.addPushDevice('alice');
  f.addPushDevice('bob');
  const numberOf = async (username: string, txn: string, extra: object) => {
    const started = await pushes.start({ ...input(username, txn), ...extra });
    assert.ok(started.ok, JSON.stringify(started));
    f.transactions.decide(txn, { status: 'denied', decidedBy: 'ASNP00000001' });
    return started.transaction.number;
  };
  assert.equal(
    await numberOf('alice', 'e'.repeat(32), { showsNumber: true }),
    '42',
    'after misses: a number',
  );
  assert.equal(await numberOf('alice', 'f'.repeat(32), {}), '', 'v1 cannot show one: none');
  assert.equal(
    await numberOf('bob', '1'.repeat(32), { showsNumber: true }),
    '',
    'no misses: the caller chooses',
  );
  assert.equal(await numberOf('bob', '2'.repeat(32), { showsNumber: true, withNumber: true }), '42');
  const site = setup({ numberMatching: true });
  site.f.addPushDevice('bob');
  const started = await site.pushes.start({ ...input('bob', '3'.repeat(32)), showsNumber: true });
  assert.ok(started.ok);
  assert.equal(started.transaction.number, '42', 'push.numberMatching: every v2 push has a number');
});
