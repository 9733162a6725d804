// LDAP users over RADIUS end to end: radclient → Assent → a real slapd; groups → Fortinet-Group-Name in the Accept,
// realms, an LDAP-only user holding a token (two-step with oathtool), and a directory that is down.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { encodeBase32 } from '../../src/otp/base32.js';
import { radclient, runPeer } from '../support/run-peer.js';
import { freePort, type Slapd, SUFFIX, startSlapd } from '../support/slapd.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

let slapd: Slapd;
let server: TestServer;
const bobSecret = new Uint8Array(randomBytes(20));
const DOWN_TIMEOUT_MS = 800;

before(async () => {
  slapd = await startSlapd();
  const closedPort = await freePort();
  server = await startTestServer({
    // bob exists locally only to hold a token and a local group; his password is checked by the directory.
    users: [
      { name: 'bob', groups: ['staff'] },
      { name: 'lee', password: 'lee-pw' },
    ],
    tokens: [
      {
        serial: 'T-bob',
        userName: 'bob',
        type: 'totp',
        secret: bobSecret,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      },
    ],
    config: {
      directories: {
        corp: {
          url: slapd.url,
          bindDnTemplate: `uid={user},ou=people,${SUFFIX}`,
          disabledCheck: 'attribute',
          disabledAttribute: 'employeeType',
          disabledValue: 'disabled',
          timeoutMs: 2000,
        },
        down: {
          url: `ldap://127.0.0.1:${closedPort}`,
          bindDnTemplate: `uid={user},ou=people,${SUFFIX}`,
          timeoutMs: DOWN_TIMEOUT_MS,
        },
      },
      realms: { default: ['local', 'corp'], map: { corp: ['corp'], branch: ['down'] } },
      replyAttributes: {
        vpn: [{ name: 'Fortinet-Group-Name', value: 'vpn-users' }],
        staff: [{ name: 'Filter-Id', value: 'staff-acl' }],
      },
    },
  });
});
after(async () => {
  await server?.stop();
  await slapd?.stop();
});

const login = (user: string, password: string) =>
  radclient(
    server.port,
    DEFAULT_SECRET,
    `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`,
  );
const decisions = (user: string) =>
  server.logs
    .filter((l) => l.event === 'radius.decision' && l.user === user)
    .map((l) => l.reason ?? l.outcome);

test('an LDAP user logs in with the directory password; the LDAP group becomes Fortinet-Group-Name', async () => {
  const r = await login('alice', 'alicepw');
  assert.match(r.stdout, /Received Access-Accept/, r.stdout + r.stderr);
  assert.match(r.stdout, /Fortinet-Group-Name = "vpn-users"/);
});

test('realms: CORP\\alice and alice@corp reach the same directory user', async () => {
  for (const name of ['CORP\\\\alice', 'alice@corp']) {
    const r = await login(name, 'alicepw');
    assert.match(r.stdout, /Received Access-Accept/, `${name}: ${r.stdout}`);
  }
  const r = await login('alice@elsewhere', 'alicepw');
  assert.match(r.stdout, /Received Access-Reject/);
  assert.ok(server.logs.some((l) => l.reason === 'REALM_UNKNOWN'));
});

test('a wrong directory password and a directory-disabled account are rejected with their reasons', async () => {
  assert.match((await login('alice', 'nope')).stdout, /Received Access-Reject/);
  assert.match((await login('carol', 'carolpw')).stdout, /Received Access-Reject/);
  assert.ok(decisions('alice').includes('BAD_PASSWORD'));
  assert.ok(decisions('carol').includes('USER_DISABLED'));
});

test('a local user still logs in first, before the directory is asked', async () => {
  assert.match((await login('lee', 'lee-pw')).stdout, /Received Access-Accept/);
});

test('an LDAP-only user holding a token is challenged, and the code from oathtool completes the login', async () => {
  const first = await login('bob', 'bobpw');
  assert.match(first.stdout, /Received Access-Challenge/, first.stdout + first.stderr);
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))![1]!;
  const code = (await runPeer('oathtool', ['--totp', '-b', encodeBase32(bobSecret)])).stdout.trim();
  const r = await radclient(
    server.port,
    DEFAULT_SECRET,
    `User-Name = "bob"\nUser-Password = "${code}"\nState = ${state}\nMessage-Authenticator = 0x00\n`,
  );
  assert.match(r.stdout, /Received Access-Accept/, r.stdout);
  assert.match(r.stdout, /Filter-Id = "staff-acl"/, 'the local group of the directory user maps too');
});

test('a directory that is down gives a clear reject within its timeout, not a hang', async () => {
  const started = Date.now();
  const r = await login('dan@branch', 'whatever');
  assert.match(r.stdout, /Received Access-Reject/, r.stdout + r.stderr);
  assert.ok(Date.now() - started < DOWN_TIMEOUT_MS + 1500, `took ${Date.now() - started} ms`);
  assert.ok(
    server.logs.some((l) => l.reason === 'DIRECTORY_UNAVAILABLE' || l.reason === 'DIRECTORY_TIMEOUT'),
    JSON.stringify(decisions('dan')),
  );
});
