// Issue 18 end to end: a user without a second factor logs in with radclient, the challenge names a short link,
// opening it leads to an activation the authenticator enrolls with, the NAS's empty answer then sends the first
// push, and the approval lets the login in. The link is single use; an answer before enrolling says so.
import assert from 'node:assert/strict';
import { get } from 'node:https';
import { after, before, test } from 'node:test';
import { type PushSite, startPushSite } from '../support/push-site.js';

let site: PushSite;

before(async () => {
  site = await startPushSite({
    users: [
      { name: 'erin', password: 'erin-pw', groups: ['staff'] },
      { name: 'frank', password: 'frank-pw', groups: ['contractors'] },
    ],
    config: {
      push: { timeoutSeconds: 15 },
      secondFactor: {
        requireForAll: true,
        enrollAtLogin: true,
        groups: { contractors: { enrollAtLogin: false } },
      },
    },
  });
});
after(async () => {
  await site?.stop();
});

const stateOf = (stdout: string) =>
  /State = (0x[0-9a-f]+)/.exec(stdout.slice(stdout.indexOf('Received')))?.[1];
const messageOf = (stdout: string) =>
  /Reply-Message = "([^"]*)"/.exec(stdout.slice(stdout.indexOf('Received')))?.[1];

/** GET over HTTPS trusting the site's certificate; no redirect is followed. */
function open(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: site.serverCert }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    }).on('error', reject);
  });
}

test('the challenge names a link; an answer before enrolling says so; enrolling through the link lets the push in', async () => {
  const first = await site.radclient(
    'User-Name = "erin"\nUser-Password = "erin-pw"\nCalling-Station-Id = "198.51.100.20"\n',
  );
  assert.match(first.stdout, /Received Access-Challenge/, first.stdout + first.stderr);
  const text = messageOf(first.stdout)!;
  const link = /https:\/\/\S+\/e\/([2-9A-HJ-NP-Z]{8})/.exec(text);
  assert.ok(link, text);
  assert.ok(!text.startsWith('+'), 'no push is offered before a device exists');
  assert.ok(site.server.logs.some((l) => l.event === 'audit.enrollment_at_login' && l.user === 'erin'));

  const early = await site.radclient(
    `User-Name = "erin"\nUser-Password = ""\nState = ${stateOf(first.stdout)}\n`,
  );
  assert.match(early.stdout, /Received Access-Challenge/, early.stdout);
  assert.match(
    messageOf(early.stdout)!,
    /^Not set up yet: open https:\/\/\S+\/e\/[2-9A-HJ-NP-Z]{8} on your phone first/,
  );

  const opened = await open(link[0]);
  assert.equal(opened.status, 303);
  const activation = /^\/authenticator\/#\/add\/([A-Za-z0-9_-]{22})$/.exec(opened.location ?? '')?.[1];
  assert.ok(activation, opened.location);
  assert.equal((await open(link[0])).status, 404, 'the link works once');
  const enrolled = await site.authenticator([
    'enroll',
    `${site.publicUrl}/device/v1/activation/${activation}`,
    '--ca',
    site.certFile,
  ]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  assert.match(enrolled.stdout, /for erin/);

  const held = site.radclient(
    `User-Name = "erin"\nUser-Password = ""\nState = ${stateOf(early.stdout)}\n`,
    20,
  );
  let approved = false;
  for (let i = 0; i < 50 && !approved; i++) {
    const r = await site.authenticator(['approve', '--latest']);
    approved = r.code === 0;
    if (!approved) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(approved, 'the first push reached the new authenticator');
  const accepted = await held;
  assert.match(accepted.stdout, /Received Access-Accept/, accepted.stdout + accepted.stderr);
});

test('a group that forbids enrollment at login is refused as SECOND_FACTOR_MISSING; an unknown link is 404', async () => {
  const r = await site.radclient('User-Name = "frank"\nUser-Password = "frank-pw"\n');
  assert.match(r.stdout, /Received Access-Reject/, r.stdout);
  assert.ok(
    site.server.logs.some(
      (l) => l.event === 'radius.decision' && l.user === 'frank' && l.reason === 'SECOND_FACTOR_MISSING',
    ),
  );
  assert.equal((await open(`${site.publicUrl}/e/ABCDEFGH`)).status, 404);
  assert.equal((await open(`${site.publicUrl}/e/not-a-code`)).status, 404);
  assert.ok(site.server.logs.some((l) => l.event === 'enroll.link_refused'));
});
