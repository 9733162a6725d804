// Issue 18 end to end without a browser: a user without a second factor logs in with radclient or with pamtester +
// pam_radius_auth, the challenge names a short link, its page's "Use this phone" leads to an activation the
// command-line authenticator enrolls with (the NAS's empty answer then sends the first push, approved → Accept with
// the group's attributes), or its TOTP choice shows a key whose first code from oathtool completes the login. Bad
// input: a spent link, a link of another user, a flood of logins (ENROLLMENT_LIMITED, counted in the metrics).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { choosePhone, chooseTotp, enrollLinkIn, fetchPage } from '../support/enroll-link.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer, startInteractivePeer } from '../support/run-peer.js';
import { DEFAULT_SECRET } from '../support/test-server.js';

let site: PushSite;
let pamDir: string;

const staff = ['erin', 'paul', 'tess', 'alice', 'bob', 'flo'];

before(async () => {
  site = await startPushSite({
    users: [
      ...staff.map((name) => ({ name, password: `${name}-pw`, groups: ['staff'] })),
      { name: 'frank', password: 'frank-pw', groups: ['contractors'] },
    ],
    // pam_radius_auth 2.0 sends no Message-Authenticator (radclient still sends and checks one).
    clients: [
      { name: 'local', address: '127.0.0.1', secret: DEFAULT_SECRET, requireMessageAuthenticator: false },
    ],
    config: {
      push: { timeoutSeconds: 15 },
      secondFactor: {
        requireForAll: true,
        enrollAtLogin: true,
        groups: { contractors: { enrollAtLogin: false } },
      },
      replyAttributes: {
        staff: [
          { name: 'Fortinet-Group-Name', value: 'vpn-users' },
          { name: 'Class', value: 'staff' },
        ],
      },
    },
  });
  pamDir = mkdtempSync(join(tmpdir(), 'assent-pam-enroll-'));
  mkdirSync(join(pamDir, 'pam.d'));
  const conf = join(pamDir, 'pam_radius_auth.conf');
  // The third field is how long pam_radius_auth waits for a reply: longer than the push window.
  writeFileSync(conf, `127.0.0.1:${site.server.port} ${DEFAULT_SECRET} 20\n`);
  chmodSync(conf, 0o600);
  writeFileSync(join(pamDir, 'pam.d', 'assentenroll'), `auth required pam_radius_auth.so conf=${conf}\n`);
});
after(async () => {
  await site?.stop();
  if (pamDir !== undefined) rmSync(pamDir, { recursive: true, force: true });
});

const received = (stdout: string) => stdout.slice(stdout.indexOf('Received'));
const stateOf = (stdout: string) => /State = (0x[0-9a-f]+)/.exec(received(stdout))?.[1];
const messageOf = (stdout: string) => /Reply-Message = "([^"]*)"/.exec(received(stdout))?.[1];
/** `assent token list --user`: what the user holds (push devices too). */
async function tokensOf(user: string): Promise<string> {
  const listed = await site.assent(['token', 'list', '--user', user]);
  assert.equal(listed.code, 0, listed.stderr);
  return listed.stdout;
}
const oathtool = async (secret: string) =>
  (await runPeer('oathtool', ['--totp', '-b', secret])).stdout.trim();

/** radclient: the password of a user without a second factor → the challenge with the link. */
async function challenge(user: string): Promise<{ state: string; link: string; text: string }> {
  const r = await site.radclient(
    `User-Name = "${user}"\nUser-Password = "${user}-pw"\nCalling-Station-Id = "198.51.100.20"\n`,
  );
  assert.match(r.stdout, /Received Access-Challenge/, r.stdout + r.stderr);
  const text = messageOf(r.stdout)!;
  return { state: stateOf(r.stdout)!, link: enrollLinkIn(text), text };
}

const answer = (user: string, password: string, state: string, wait = 1) =>
  site.radclient(`User-Name = "${user}"\nUser-Password = "${password}"\nState = ${state}\n`, wait);

/** Approves the latest request on the command-line authenticator of `home`, trying while the push is on its way. */
async function approveOn(home: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await site.authenticator(['approve', '--latest'], home)).code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail('the first push never reached the new authenticator');
}

/** pamtester in a private mount namespace whose /etc/pam.d holds only our service. */
const pamtester = (user: string) =>
  startInteractivePeer('unshare', [
    '-m',
    'sh',
    '-c',
    `mount --bind ${join(pamDir, 'pam.d')} /etc/pam.d && pamtester -v assentenroll ${user} authenticate`,
  ]);

test('radclient + CLI authenticator: the link, an early answer, "Use this phone", the held empty answer, approval → Accept with the group attributes', async () => {
  const { state, link, text } = await challenge('erin');
  assert.ok(!text.startsWith('+'), 'no push is offered before a device exists');
  assert.ok(site.server.logs.some((l) => l.event === 'audit.enrollment_at_login' && l.user === 'erin'));

  const early = await answer('erin', '', state);
  assert.match(early.stdout, /Received Access-Challenge/, early.stdout);
  assert.match(
    messageOf(early.stdout)!,
    /^Not set up yet: open https:\/\/\S+\/e\/[2-9A-HJ-NP-Z]{8} on your phone first/,
  );

  const page = await fetchPage(link, site.serverCert);
  assert.equal(page.status, 200);
  assert.match(page.body, /Use this phone as the authenticator/);
  assert.equal((await fetchPage(link, site.serverCert)).status, 200, 'opening it again is fine');
  const activation = await choosePhone(link, site.serverCert);
  assert.equal((await fetchPage(link, site.serverCert)).status, 404, 'the choice spent the link');
  const enrolled = await site.authenticator(['enroll', activation, '--ca', site.certFile]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  assert.match(enrolled.stdout, /for erin/);

  const held = answer('erin', '', stateOf(early.stdout)!, 20);
  await approveOn(site.home);
  const accepted = await held;
  assert.match(accepted.stdout, /Received Access-Accept/, accepted.stdout + accepted.stderr);
  assert.match(accepted.stdout, /Fortinet-Group-Name = "vpn-users"/);
});

test('pamtester + pam_radius_auth: the prompt carries the link; "Use this phone" + the CLI authenticator, Enter, approval → authenticated', async () => {
  const home = mkdtempSync(join(tmpdir(), 'assent-pam-authenticator-'));
  try {
    const pam = pamtester('paul');
    pam.type('paul-pw');
    const link = enrollLinkIn((await pam.waitFor(/Set up two-step sign-in: open (\S+) on your phone/))[0]);
    const activation = await choosePhone(link, site.serverCert);
    const enrolled = await site.authenticator(['enroll', activation, '--ca', site.certFile], home);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    pam.type('');
    await approveOn(home);
    const r = await pam.finish();
    assert.match(r.stdout + r.stderr, /successfully authenticated/, r.stdout + r.stderr);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('pamtester + pam_radius_auth: the TOTP choice, the first code from oathtool → authenticated; the token is listed', async () => {
  const pam = pamtester('tess');
  pam.type('tess-pw');
  const link = enrollLinkIn((await pam.waitFor(/Set up two-step sign-in: open (\S+) on your phone/))[0]);
  const secret = await chooseTotp(link, site.serverCert);
  pam.type(await oathtool(secret));
  const r = await pam.finish();
  assert.match(r.stdout + r.stderr, /successfully authenticated/, r.stdout + r.stderr);
  assert.ok(site.server.logs.some((l) => l.event === 'audit.enrollment_totp' && l.user === 'tess'));
  assert.match(await tokensOf('tess'), /ASNT\d{8}\s+tess\s+totp/);
});

test("bad input: a spent link is 404; alice's key answered at bob's login enrolls nobody; a flood is ENROLLMENT_LIMITED and counted", async () => {
  // Another user's link: bob answers his own challenge with the first code of the key alice's link showed.
  const forAlice = await challenge('alice');
  const forBob = await challenge('bob');
  const aliceCode = await oathtool(await chooseTotp(forAlice.link, site.serverCert));
  const crossed = await answer('bob', aliceCode, forBob.state);
  assert.match(crossed.stdout, /Received Access-Challenge/, crossed.stdout);
  assert.match(messageOf(crossed.stdout)!, /^Not set up yet/);
  for (const user of ['alice', 'bob'])
    assert.doesNotMatch(await tokensOf(user), /ASN[TP]\d{8}/, `nothing enrolled for ${user}`);
  // alice's own login still completes with it; then her link is spent.
  const own = await answer('alice', aliceCode, forAlice.state);
  assert.match(own.stdout, /Received Access-Accept/, own.stdout);
  assert.match(await tokensOf('alice'), /ASNT\d{8}\s+alice\s+totp/);
  for (const [url, method] of [
    [forAlice.link, 'GET'],
    [`${forAlice.link}/totp`, 'POST'],
    [`${forAlice.link}/phone`, 'POST'],
  ] as const) {
    const spent = await fetchPage(url, site.serverCert, method);
    assert.equal(spent.status, 404, `${method} ${url}`);
    assert.match(spent.body, /unknown, used or expired/);
  }

  // A flood: 5 links per user an hour, then Access-Reject.
  for (let i = 0; i < 5; i++) await challenge('flo');
  const limited = await site.radclient('User-Name = "flo"\nUser-Password = "flo-pw"\n');
  assert.match(limited.stdout, /Received Access-Reject/, limited.stdout);
  assert.ok(site.server.logs.some((l) => l.event === 'enroll.refused' && l.reason === 'ENROLLMENT_LIMITED'));
  const metrics = await (await fetch(`http://127.0.0.1:${site.server.server.http.adminPort}/metrics`)).text();
  assert.match(metrics, /assent_decisions_total\{reason="ENROLLMENT_LIMITED"\} 1\n/);
  assert.doesNotMatch(await tokensOf('flo'), /ASN[TP]\d{8}/, 'nothing enrolled for flo');
});

test('a group that forbids enrollment at login is refused as SECOND_FACTOR_MISSING; an unknown link is 404', async () => {
  const r = await site.radclient('User-Name = "frank"\nUser-Password = "frank-pw"\n');
  assert.match(r.stdout, /Received Access-Reject/, r.stdout);
  assert.ok(
    site.server.logs.some(
      (l) => l.event === 'radius.decision' && l.user === 'frank' && l.reason === 'SECOND_FACTOR_MISSING',
    ),
  );
  assert.equal((await fetchPage(`${site.publicUrl}/e/ABCDEFGH`, site.serverCert)).status, 404);
  assert.equal((await fetchPage(`${site.publicUrl}/e/not-a-code`, site.serverCert)).status, 404);
  assert.ok(site.server.logs.some((l) => l.event === 'enroll.link_refused'));
});
