// Which screen the portal shows (src/web/portal/navigation.ts) and how a push sign-in ends (push-wait.ts): pure
// state transitions, run in Node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Answer, Session } from '../../src/web/portal/api.js';
import { navigationFor, PATHS, screenFor } from '../../src/web/portal/navigation.js';
import { pushProblemText, pushStep, waitForPush } from '../../src/web/portal/push-wait.js';

const signedIn = (enrollOnly = false): Session => ({
  state: 'signed-in',
  user: 'alice',
  csrf: 'c',
  how: enrollOnly ? 'password' : 'totp',
  enrollOnly,
  expiresAt: '2030-01-01T00:00:00Z',
  idleMinutes: 15,
});
const secondFactor: Session = { state: 'second-factor', user: 'alice', methods: ['push', 'code'], csrf: 'c' };

test('signing in has no routes: signed out → sign-in, second factor → second-factor, whatever the fragment', () => {
  for (const hash of ['', '#/devices', '#/sign-ins', '#/nonsense']) {
    assert.equal(screenFor({ state: 'signed-out' }, hash), 'sign-in', hash);
    assert.equal(screenFor(secondFactor, hash), 'second-factor', hash);
  }
});

test('signed in: each fragment its screen (a trailing slash too); unknown fragments show the devices', () => {
  for (const [screen, path] of Object.entries(PATHS)) {
    assert.equal(screenFor(signedIn(), path), screen);
    assert.equal(screenFor(signedIn(), `${path}/`), screen);
  }
  for (const hash of ['', '#', '#/', '#main', '#/add', '#/devices/x'])
    assert.equal(screenFor(signedIn(), hash), 'devices');
});

test('a password-only session (enrollOnly) sees devices, adding and backup codes, never the sign-in history', () => {
  const session = signedIn(true);
  assert.equal(screenFor(session, PATHS['sign-ins']), 'devices');
  for (const screen of ['devices', 'add-phone', 'add-app', 'backup-codes'] as const)
    assert.equal(screenFor(session, PATHS[screen]), screen);
  assert.deepEqual(
    navigationFor(session).map((item) => item.label),
    ['Devices', 'Backup codes'],
  );
  assert.deepEqual(
    navigationFor(signedIn()).map((item) => item.href),
    [PATHS.devices, PATHS['backup-codes'], PATHS['sign-ins']],
  );
  assert.deepEqual(navigationFor(secondFactor), [], 'no navigation before both factors passed');
  assert.ok(navigationFor(signedIn())[0]!.screens.includes('add-app'), 'adding a device is under Devices');
});

type PollAnswer = Answer<Session | { state: 'pending' }>;
const ok = (value: Session | { state: 'pending' }): PollAnswer => ({ ok: true, value });
const refused = (code: string, status = 401): PollAnswer => ({
  ok: false,
  problem: { code, message: '', status },
});

test('a long-poll answer: approved, pending, or how it ended (a 200 without a signed-in session is an end too)', () => {
  assert.deepEqual(pushStep(ok(signedIn())), { kind: 'signed-in', session: signedIn() });
  assert.deepEqual(pushStep(ok({ state: 'pending' })), { kind: 'pending' });
  assert.deepEqual(pushStep(refused('push_denied')), {
    kind: 'refused',
    problem: { code: 'push_denied', message: '', status: 401 },
  });
  const odd = pushStep(ok({ state: 'signed-out' }));
  assert.equal(odd.kind === 'refused' && odd.problem.code, 'bad_response');
});

test('push endings in words: denied, timeout, unreachable, limited; anything else by its server sentence', () => {
  assert.match(pushProblemText({ code: 'push_denied', message: '', status: 401 }), /denied on your phone/);
  assert.match(pushProblemText({ code: 'push_timeout', message: '', status: 401 }), /did not answer in time/);
  assert.match(
    pushProblemText({ code: 'push_unreachable', message: '', status: 503 }),
    /could not be reached/,
  );
  assert.match(pushProblemText({ code: 'push_limited', message: '', status: 429 }), /Too many requests/);
  assert.equal(pushProblemText({ code: 'network', message: 'No network.', status: 0 }), 'No network.');
  assert.equal(pushProblemText({ code: 'x', message: '', status: 500 }), 'The request did not go through.');
});

test('waitForPush polls through pending answers to the end; after the user left, nothing is acted on', async () => {
  const answers = [ok({ state: 'pending' }), ok({ state: 'pending' }), ok(signedIn())];
  let polls = 0;
  const api = { waitPush: async () => answers[polls++]! };
  assert.deepEqual(await waitForPush(api, new AbortController().signal), {
    kind: 'signed-in',
    session: signedIn(),
  });
  assert.equal(polls, 3);

  const denied = { waitPush: async () => refused('push_denied') };
  const step = await waitForPush(denied, new AbortController().signal);
  assert.equal(step.kind === 'refused' && step.problem.code, 'push_denied');

  const left = new AbortController();
  let asked = 0;
  const late = {
    waitPush: async () => {
      asked++;
      left.abort(); // the user leaves while this poll is held
      return ok(signedIn());
    },
  };
  assert.deepEqual(await waitForPush(late, left.signal), { kind: 'pending' });
  assert.equal(asked, 1);
  assert.deepEqual(await waitForPush(late, left.signal), { kind: 'pending' }, 'an aborted wait asks nothing');
  assert.equal(asked, 1);
});
