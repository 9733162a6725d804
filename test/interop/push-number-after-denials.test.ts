// SECURITY A7.7: after two pushes denied or unanswered in a row, the next challenge shows a number to match even
// though push.numberMatching is off; a wrong or missing number denies, the right one approves; approval resets it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type PushSite, startPushSite } from '../support/push-site.js';

let site: PushSite;

before(async () => {
  site = await startPushSite({
    users: [{ name: 'dora', password: 'dora-pw' }],
    config: { push: { timeoutSeconds: 15, maxPerUser: 50 } },
  });
  const enrolled = await site.authenticator([
    'enroll',
    await site.activationLink('dora'),
    '--ca',
    site.certFile,
  ]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
});
after(async () => {
  await site?.stop();
});

const radclient = (attributes: string, wait = 1) => site.radclient(attributes, wait);

/** Password, then the empty answer (held); the challenge text and the held request's eventual reply. */
async function login() {
  const first = await radclient('User-Name = "dora"\nUser-Password = "dora-pw"\n');
  const text = /Reply-Message = "([^"]*)"/.exec(first.stdout)?.[1] ?? '';
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))?.[1];
  assert.ok(state, first.stdout);
  const held = radclient(`User-Name = "dora"\nState = ${state}\n`, 20);
  for (let i = 0; i < 50; i++) {
    if ((await site.authenticator(['pending'])).stdout.includes('dora at local')) return { text, held };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('no pending push');
}

test('two denials in a row: the third push needs the number; wrong number denies, right number approves', async () => {
  for (let i = 0; i < 2; i++) {
    const { text, held } = await login();
    assert.doesNotMatch(text, /number/, 'number matching is off at first');
    assert.match((await site.authenticator(['deny', '--latest'])).stdout, /denied/);
    assert.match((await held).stdout, /Received Access-Reject/);
  }
  const third = await login();
  const number = /\(number (\d\d)\)/.exec(third.text)?.[1];
  assert.ok(number, `the challenge shows a number: ${third.text}`);
  assert.match((await site.authenticator(['pending'])).stdout, /number matching/);
  const wrong = String((Number(number) % 89) + 10);
  assert.match((await site.authenticator(['approve', '--latest', '--number', wrong])).stdout, /denied/);
  assert.match((await third.held).stdout, /Received Access-Reject/);
  const fourth = await login();
  const right = /\(number (\d\d)\)/.exec(fourth.text)?.[1] ?? 'none';
  assert.match((await site.authenticator(['approve', '--latest', '--number', right])).stdout, /approved/);
  assert.match((await fourth.held).stdout, /Received Access-Accept/);
  const fifth = await login();
  assert.doesNotMatch(fifth.text, /number/, 'an approval resets it');
  await site.authenticator(['approve', '--latest']);
  await fifth.held;
});
