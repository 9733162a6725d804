// Issue 13: what a push service's refusals do to a running server: 403 turns /readyz red (our VAPID identity or
// request is wrong) until a delivery succeeds; 410 ends the subscription and the device falls back to polling.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type PushSite, startPushSite } from '../support/push-site.js';

let site: PushSite;
let deviceId: string;

before(async () => {
  site = await startPushSite({
    users: [{ name: 'carl', password: 'carl-pw' }],
    config: { push: { timeoutSeconds: 10, maxPerUser: 50 } },
  });
  deviceId = (await site.enrollWebPush('carl')).deviceId;
});
after(async () => {
  await site?.stop();
});

const radclient = (attributes: string, wait: number) => site.radclient(attributes, wait);

/** One login that asks for a push and is left unanswered (the NAS gives up after a second). */
async function pushOnce(): Promise<void> {
  const first = await radclient('User-Name = "carl"\nUser-Password = "carl-pw"\n', 1);
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))?.[1];
  assert.ok(state, first.stdout);
  await radclient(`User-Name = "carl"\nState = ${state}\n`, 1);
  await site.push.next();
  // The sender's result is logged just after the push service answered.
  for (
    let i = 0;
    i < 20 && !site.server.logs.some((l) => l.event === 'push.sent' && l.status !== undefined);
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const readyz = async () => {
  const r = await fetch(`http://127.0.0.1:${site.server.server.http.adminPort}/readyz`);
  return { status: r.status, body: (await r.json()) as { checks: Record<string, string> } };
};

test('a 403 from the push service turns /readyz red until a delivery succeeds', async () => {
  site.push.answerWith(403);
  await pushOnce();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const red = await readyz();
  assert.equal(red.status, 503);
  assert.match(red.body.checks.push_delivery!, /refused delivery with 403/);
  assert.ok(site.server.logs.some((l) => l.event === 'push.sent' && l.result === 'rejected'));
  await new Promise((resolve) => setTimeout(resolve, 10_500)); // the unanswered push times out
  site.push.answerWith(201);
  await pushOnce();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await readyz()).status, 200);
});

test('a 410 ends the subscription: the device is kept and polls from then on', async () => {
  await new Promise((resolve) => setTimeout(resolve, 10_500));
  site.push.answerWith(410);
  await pushOnce();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const list = await site.assent(['token', 'list', '--user', 'carl']);
  assert.match(list.stdout, new RegExp(`${deviceId}\\tcarl\\tpush\\tpoll`), list.stdout);
});
