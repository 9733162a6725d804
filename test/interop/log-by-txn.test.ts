// Issue 12 item 11: every log line about a request carries its `txn`, client and (where known) user, so an
// operator can read one login's lines by its transaction id. Real server, radclient, oathtool and slapd.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { encodeBase32 } from '../../src/otp/base32.js';
import { radclient, runPeer } from '../support/run-peer.js';
import { type Slapd, SUFFIX, startSlapd } from '../support/slapd.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

let slapd: Slapd;
let server: TestServer;
const tinaSecret = new Uint8Array(randomBytes(20));
const TXN = /^[0-9a-f]{32}$/;
/** Events that are about one request: each must name it. */
const REQUEST_EVENTS = new Set([
  'radius.decision',
  'auth.ldap',
  'audit.lockout',
  'auth.error',
  'radius.error',
]);

before(async () => {
  slapd = await startSlapd();
  const token = (serial: string, userName: string) => ({
    serial,
    userName,
    type: 'totp' as const,
    secret: tinaSecret,
    algorithm: 'SHA1' as const,
    digits: 6,
    period: 30,
  });
  server = await startTestServer({
    users: [
      { name: 'tina', password: 'tina-pw' },
      { name: 'lou', password: 'lou-pw' },
    ],
    tokens: [token('T-tina', 'tina'), token('T-lou', 'lou')],
    config: {
      secondFactor: { lockoutFailures: 2, maxCodeAttempts: 3 },
      directories: {
        corp: { url: slapd.url, bindDnTemplate: `uid={user},ou=people,${SUFFIX}`, timeoutMs: 2000 },
      },
      realms: { default: ['local', 'corp'] },
    },
  });
});
after(async () => {
  await server?.stop();
  await slapd?.stop();
});

const send = (attributes: string) =>
  radclient(server.port, DEFAULT_SECRET, `${attributes}Message-Authenticator = 0x00\n`, ['-x']);
const step1 = (user: string, password: string) =>
  send(`User-Name = "${user}"\nUser-Password = "${password}"\n`);
const step2 = (user: string, code: string, state: string) =>
  send(`User-Name = "${user}"\nUser-Password = "${code}"\nState = ${state}\n`);
const stateOf = (stdout: string) =>
  /State = (0x[0-9a-f]+)/.exec(stdout.slice(stdout.indexOf('Received')))?.[1];
const totpNow = async () => {
  const r = await runPeer('oathtool', ['--totp', '-b', encodeBase32(tinaSecret)]);
  return r.stdout.trim();
};

const linesOf = (txn: unknown) => server.logs.filter((l) => l.txn === txn);
const lastDecision = (user: string) =>
  server.logs.filter((l) => l.event === 'radius.decision' && l.user === user).at(-1)!;

test('a two-step login reads as one transaction: challenge and accept share the txn, with client and user', async () => {
  const first = await step1('tina', 'tina-pw');
  assert.match(first.stdout, /Received Access-Challenge/, first.stdout + first.stderr);
  const txn = lastDecision('tina').txn;
  assert.match(String(txn), TXN);
  const second = await step2('tina', await totpNow(), stateOf(first.stdout)!);
  assert.match(second.stdout, /Received Access-Accept/, second.stdout + second.stderr);
  const lines = linesOf(txn).filter((l) => l.event === 'radius.decision');
  assert.deepEqual(
    lines.map((l) => [l.outcome, l.client, l.user]),
    [
      ['challenge', 'local', 'tina'],
      ['accept', 'local', 'tina'],
    ],
  );
});

test('one-step decisions and refused States carry a txn of their own', async () => {
  const wrong = await step1('tina', 'not-it');
  assert.match(wrong.stdout, /Received Access-Reject/);
  const bad = lastDecision('tina');
  assert.equal(bad.reason, 'BAD_PASSWORD');
  assert.match(String(bad.txn), TXN);
  const unknown = await step2('tina', '123456', `0x${'ab'.repeat(16)}`);
  assert.match(unknown.stdout, /Received Access-Reject/);
  const refused = lastDecision('tina');
  assert.equal(refused.reason, 'STATE_UNKNOWN');
  assert.match(String(refused.txn), TXN);
  assert.notEqual(refused.txn, bad.txn, 'two requests, two transactions');
});

test("an LDAP login's directory line carries the same txn and client as its decision", async () => {
  const r = await step1('alice', 'wrong-for-alice');
  assert.match(r.stdout, /Received Access-Reject/);
  const decision = lastDecision('alice');
  const ldap = linesOf(decision.txn).filter((l) => l.event === 'auth.ldap');
  assert.equal(ldap.length, 1, JSON.stringify(server.logs.filter((l) => l.event === 'auth.ldap')));
  assert.equal(ldap[0]!.client, 'local');
  assert.equal(ldap[0]!.user, 'alice');
  assert.equal(ldap[0]!.directory, 'corp');
});

test('a lockout is audited under the txn of the login that caused it', async () => {
  const first = await step1('lou', 'lou-pw');
  const state = stateOf(first.stdout)!;
  const txn = lastDecision('lou').txn;
  const again = await step2('lou', '000000', state);
  assert.match(again.stdout, /Received Access-Challenge/);
  const locked = await step2('lou', '000001', stateOf(again.stdout)!);
  assert.match(locked.stdout, /Received Access-(Challenge|Reject)/);
  const audit = linesOf(txn).filter((l) => l.event === 'audit.lockout');
  assert.ok(audit.length >= 1, JSON.stringify(server.logs.filter((l) => l.event === 'audit.lockout')));
  for (const line of audit) {
    assert.equal(line.client, 'local');
    assert.equal(line.user, 'lou');
  }
});

test('no line about a request lacks its txn or client', () => {
  const about = server.logs.filter((l) => REQUEST_EVENTS.has(String(l.event)));
  assert.ok(about.length >= 8, `${about.length} request lines`);
  for (const line of about) {
    assert.match(String(line.txn), TXN, JSON.stringify(line));
    assert.equal(typeof line.client, 'string', JSON.stringify(line));
  }
});
