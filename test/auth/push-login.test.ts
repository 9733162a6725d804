// The login use case with push (PROTOCOL P1–P6): the `+` offer, the held request, attach on resend, a typed code
// while pending, device decisions, the deadline, and auto mode. Memory stores; the RADIUS path is tested e2e.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authFixture, login, pap } from '../support/auth-fixture.js';

const PUSH_TEXT = '+Enter token code or no code to send a notification to your mobile app';

async function challenge(f: ReturnType<typeof authFixture>, user = 'alice') {
  const decision = await f.authenticate(login(user, pap('pw')));
  assert.equal(decision.kind, 'challenge', JSON.stringify(decision));
  return decision as Extract<typeof decision, { kind: 'challenge' }>;
}

test('the challenge offers push (+) only to a user with an authenticator (P1)', async () => {
  const f = authFixture({ push: {} });
  f.addTotp('alice');
  f.addTotp('bob', { serial: 'T-bob' });
  f.addPushDevice('alice');
  assert.equal((await challenge(f, 'alice')).text, PUSH_TEXT);
  assert.equal((await challenge(f, 'bob')).text, 'Enter token code');
});

test('a user with only a push device is challenged, not let in on the password', async () => {
  const f = authFixture({ push: {} });
  f.addPushDevice('bob');
  assert.equal((await challenge(f, 'bob')).text, PUSH_TEXT);
});

test('an empty answer starts one push and holds the request; the same State again attaches (P2, P3, A3.4)', async () => {
  const f = authFixture({ push: {} });
  f.addPushDevice('alice');
  const c = await challenge(f);
  const first = await f.authenticate(login('alice', pap(''), c.state));
  assert.deepEqual(first, { kind: 'pending', user: 'alice', transactionId: c.transactionId });
  const again = await f.authenticate(login('alice', pap('push'), c.state));
  assert.deepEqual(again, first);
  assert.deepEqual(f.pushesStarted, [c.transactionId], 'exactly one push');
  assert.equal(f.transactions.byId(c.transactionId)?.status, 'push-sent');
});

test('an approval reaches the waiting login as an Accept with the group attributes', async () => {
  const f = authFixture({ push: {}, attributes: { vpn: [{ name: 'Class', value: 'gold' }] } });
  f.addPushDevice('alice');
  const c = await challenge(f);
  await f.authenticate(login('alice', pap(''), c.state));
  const decided = f.transactions.decide(c.transactionId, { status: 'approved', decidedBy: 'ASNP00000001' });
  assert.ok(decided.won);
  f.waits.settled(decided.transaction);
  assert.deepEqual(f.decisions, [
    [
      c.transactionId,
      {
        kind: 'accept',
        user: 'alice',
        attributes: [{ name: 'Class', value: 'gold' }],
        transactionId: c.transactionId,
        via: 'push',
      },
    ],
  ]);
  const late = await f.authenticate(login('alice', pap(''), c.state));
  assert.equal(late.kind === 'reject' && late.reason, 'STATE_USED', 'the State died with the decision');
});

test('a typed code while the push waits is accepted and closes the push as answered-by-code (P4)', async () => {
  const f = authFixture({ push: {} });
  f.addTotp('alice');
  f.addPushDevice('alice');
  const c = await challenge(f);
  await f.authenticate(login('alice', pap(''), c.state));
  const typed = await f.authenticate(login('alice', pap(f.totpNow()), c.state));
  assert.equal(typed.kind, 'accept', JSON.stringify(typed));
  assert.equal(f.transactions.byId(c.transactionId)?.status, 'answered-by-code');
  assert.deepEqual(f.decisions, [[c.transactionId, { kind: 'drop', reason: 'PUSH_ANSWERED_BY_CODE' }]]);
  assert.equal(
    f.transactions.decide(c.transactionId, { status: 'approved' }).won,
    false,
    'a late approve is a no-op',
  );
});

test('no answer: the sweep ends the push at its deadline as PUSH_TIMEOUT (P3)', async () => {
  const f = authFixture({ push: { timeoutMs: 20_000 } });
  f.addPushDevice('alice');
  const c = await challenge(f);
  await f.authenticate(login('alice', pap(''), c.state));
  f.waits.sweep(f.clock.now() + 19_000);
  assert.deepEqual(f.decisions, []);
  f.waits.sweep(f.clock.now() + 20_001);
  assert.deepEqual(f.decisions, [
    [
      c.transactionId,
      { kind: 'reject', reason: 'PUSH_TIMEOUT', user: 'alice', transactionId: c.transactionId },
    ],
  ]);
  assert.equal(f.transactions.byId(c.transactionId)?.status, 'expired');
});

test('a NAS that gives up within 10 s gets no push: our reject must reach it first (docs/push.md §7)', async () => {
  const f = authFixture({ push: {} });
  f.addPushDevice('alice');
  const c = await challenge(f);
  const decision = await f.authenticate({
    ...login('alice', pap(''), c.state),
    deadline: f.clock.now() + 9_000,
  });
  assert.equal(decision.kind === 'reject' && decision.reason, 'PUSH_UNAVAILABLE');
  assert.deepEqual(f.pushesStarted, []);
});

test('without an authenticator an empty answer is PUSH_UNAVAILABLE, as before push', async () => {
  const f = authFixture({ push: {} });
  f.addTotp('alice');
  const c = await challenge(f);
  const decision = await f.authenticate(login('alice', pap(''), c.state));
  assert.equal(decision.kind === 'reject' && decision.reason, 'PUSH_UNAVAILABLE');
});

test('number matching puts two digits in the challenge text and on the transaction (P7)', async () => {
  const f = authFixture({ push: { numberMatching: true } });
  f.addPushDevice('alice');
  const c = await challenge(f);
  const number = /\(number (\d\d)\)$/.exec(c.text)?.[1];
  assert.ok(number, c.text);
  await f.authenticate(login('alice', pap(''), c.state));
  assert.equal(f.transactions.byId(c.transactionId)?.number, number);
});

test('a user whose streak needs a number gets one in the challenge, read as a value or a promise (A7.7)', async () => {
  const asked: string[] = [];
  const streak = new Map<string, boolean | Promise<boolean>>([
    ['alice', Promise.resolve(true)],
    ['bob', false],
  ]);
  const f = authFixture({
    push: {
      numberRequired: (name) => {
        asked.push(name);
        return streak.get(name) ?? false;
      },
    },
  });
  f.addPushDevice('alice');
  f.addPushDevice('bob');
  f.addTotp('slow', { serial: 'T-slow' });
  assert.match((await challenge(f, 'alice')).text, /\(number \d\d\)$/, "PostgreSQL's read: a promise");
  const bob = f.authenticate(login('bob', pap('pw')));
  assert.ok(!(bob instanceof Promise), 'a value read at once (SQLite) keeps the login synchronous');
  assert.equal(bob.kind === 'challenge' && bob.text, PUSH_TEXT);
  assert.equal((await challenge(f, 'slow')).text, 'Enter token code');
  assert.deepEqual(asked, ['alice', 'bob'], 'read only for users offered push');
});

test('auto mode pushes right after the password and holds that request (P6)', async () => {
  const f = authFixture({ push: {}, settings: { mode: 'auto' } });
  f.addPushDevice('alice');
  f.addTotp('bob', { serial: 'T-bob' });
  const decision = await f.authenticate(login('alice', pap('pw')));
  assert.equal(decision.kind, 'pending', JSON.stringify(decision));
  assert.equal(f.pushesStarted.length, 1);
  assert.equal(
    (await f.authenticate(login('bob', pap('pw')))).kind,
    'challenge',
    'no authenticator: a challenge',
  );
  assert.equal((await f.authenticate(login('alice', pap('nope')))).kind, 'reject');
});

test('auto mode challenges instead when the push needs a number the user must first see (P6, P7, A7.7)', async () => {
  const everyone = authFixture({ push: { numberMatching: true }, settings: { mode: 'auto' } });
  everyone.addPushDevice('alice');
  const shown = await everyone.authenticate(login('alice', pap('pw')));
  assert.equal(shown.kind, 'challenge', JSON.stringify(shown));
  assert.match(shown.kind === 'challenge' ? shown.text : '', /^\+.*\(number \d{2}\)$/);
  assert.deepEqual(everyone.pushesStarted, [], 'no push before the user has seen the number');
  const held = await everyone.authenticate(
    login('alice', pap(''), shown.kind === 'challenge' ? shown.state : undefined),
  );
  assert.equal(held.kind, 'pending', 'the empty answer sends the push with that number');
  assert.equal(everyone.pushesStarted.length, 1);

  const missed = authFixture({
    push: { numberRequired: (name) => name === 'bob' },
    settings: { mode: 'auto' },
  });
  missed.addPushDevice('alice');
  missed.addPushDevice('bob');
  assert.equal(
    (await missed.authenticate(login('alice', pap('pw')))).kind,
    'pending',
    'no streak: a push at once',
  );
  assert.equal(
    (await missed.authenticate(login('bob', pap('pw')))).kind,
    'challenge',
    'after misses: the number',
  );
});
