// Issue 18: who still has to enrol. `assent user list --without-second-factor` and the metric agree, token holders
// under another spelling of the name count as enrolled, and a grace period lets such users in with a reminder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/run-cli.js';
import { runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

let dir: string;
let server: TestServer;
const totp = {
  type: 'totp' as const,
  secret: new Uint8Array(20).fill(7),
  algorithm: 'SHA1' as const,
  digits: 6,
  period: 30,
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-without-'));
  server = await startTestServer({
    users: [
      { name: 'alice', password: 'pw-alice', groups: ['vpn'] },
      { name: 'Bob', password: 'pw-bob', groups: ['vpn', 'ops'] },
      { name: 'carol', password: 'pw-carol', groups: ['vpn'] },
      { name: 'dave', password: 'pw-dave' },
    ],
    // Bob's token is held under "bob": one identity (issue 12), so Bob is enrolled.
    tokens: [
      { serial: 'T-alice', userName: 'alice', ...totp },
      { serial: 'T-bob', userName: 'bob', ...totp },
    ],
    config: { secondFactor: { requireForAll: true, graceUntil: '2999-01-01', graceLogins: 5 } },
  });
});
after(async () => {
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('user list --without-second-factor names who has to enrol; the metric counts them by group', async () => {
  const r = await runCli(server.dir, [
    '--data-dir',
    server.dir,
    'user',
    'list',
    '--without-second-factor',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const names = r.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { name: string }).name);
  assert.deepEqual(names.sort(), ['carol', 'dave']);
  const metrics = await (await fetch(`http://127.0.0.1:${server.server.http.adminPort}/metrics`)).text();
  assert.match(metrics, /assent_users_without_second_factor\{group="vpn"\} 1\n/);
  assert.match(metrics, /assent_users_without_second_factor\{group="-"\} 1\n/);
  assert.doesNotMatch(metrics, /assent_users_without_second_factor\{group="ops"\}/);
});

test('radclient: inside the grace period a user without a second factor gets Access-Accept with the reminder; the sign-in is counted', async () => {
  const r = await runPeer(
    'radclient',
    ['-x', '-t', '2', '-r', '1', `127.0.0.1:${server.port}`, 'auth', DEFAULT_SECRET],
    'User-Name = "carol"\nUser-Password = "pw-carol"\nMessage-Authenticator = 0x00\n',
  );
  assert.match(r.stdout, /Received Access-Accept/, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /Reply-Message = "Two-step sign-in is required from 2999-01-01: set up an authenticator before then"/,
  );
  const reset = await runCli(server.dir, ['--data-dir', server.dir, 'user', 'grace-reset', 'carol']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /carol: grace sign-ins reset/, 'the sign-in above was counted');
  const again = await runCli(server.dir, ['--data-dir', server.dir, 'user', 'grace-reset', 'carol']);
  assert.match(again.stdout, /carol: no grace sign-ins used/);
});

test("user grace: one user's own grace period replaces the global one at the running server; --clear restores it", async () => {
  const radclient = (user: string, password: string) =>
    runPeer(
      'radclient',
      ['-x', '-t', '2', '-r', '1', `127.0.0.1:${server.port}`, 'auth', DEFAULT_SECRET],
      `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`,
    );
  const cli = (...args: string[]) => runCli(server.dir, ['--data-dir', server.dir, 'user', 'grace', ...args]);
  const none = await cli('dave', '--logins', '0');
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /dave: own grace period of none/);
  assert.match((await radclient('dave', 'pw-dave')).stdout, /Received Access-Reject/);
  const longer = await cli('dave', '--until', '2999-06-30', '--json');
  assert.deepEqual(JSON.parse(longer.stdout), { user: 'dave', grace: { until: '2999-06-30', logins: 0 } });
  const inside = await radclient('dave', 'pw-dave');
  assert.match(inside.stdout, /Received Access-Accept/, inside.stdout + inside.stderr);
  assert.match(inside.stdout, /required from 2999-06-30/);
  assert.match((await cli('dave', '--clear')).stdout, /dave: own grace period removed/);
  assert.match((await cli('dave')).stdout, /dave: no own grace period/);
  assert.match((await radclient('dave', 'pw-dave')).stdout, /required from 2999-01-01/);
  const bad = await cli('dave', '--until', '2027-02-30');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--until: /);
  assert.equal((await cli('dave', '--clear', '--logins', '1')).code, 2);
});
