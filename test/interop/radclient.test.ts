// radtest/radclient (freeradius-utils) against the real server: PAP accept/reject and Message-Authenticator policy.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { radclient, runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
const LEGACY_SECRET = 'legacy-secret-0123';

before(async () => {
  server = await startTestServer({
    users: [
      { name: 'alice', password: 'correct horse' },
      { name: 'bob', password: 'b0b-pw', status: 'disabled' },
    ],
    clients: [{ name: 'local', address: '127.0.0.1', secret: DEFAULT_SECRET }],
  });
});
after(() => server.stop());

test('radtest gets Access-Accept for the right password, with a Message-Authenticator radclient verified', async () => {
  const r = await runPeer('radtest', [
    '-x',
    'alice',
    'correct horse',
    `127.0.0.1:${server.port}`,
    '0',
    DEFAULT_SECRET,
  ]);
  assert.match(r.stdout, /Received Access-Accept/);
  assert.match(r.stdout, /Message-Authenticator = 0x[0-9a-f]{32}/);
  assert.doesNotMatch(r.stdout + r.stderr, /invalid Message-Authenticator|Response authenticator/i);
});

test('radtest gets Access-Reject for a wrong password, an unknown user and a disabled user', async () => {
  for (const [user, pw] of [
    ['alice', 'wrong'],
    ['nobody', 'whatever'],
    ['bob', 'b0b-pw'],
  ] as const) {
    const r = await runPeer('radtest', ['-x', user, pw, `127.0.0.1:${server.port}`, '0', DEFAULT_SECRET]);
    assert.match(r.stdout, /Received Access-Reject/, `${user}: ${r.stdout}`);
    assert.match(r.stdout, /Message-Authenticator = 0x[0-9a-f]{32}/);
  }
  const reasons = server.logs.filter((l) => l.event === 'radius.decision').map((l) => l.reason);
  assert.ok(
    reasons.includes('BAD_PASSWORD') && reasons.includes('USER_UNKNOWN') && reasons.includes('USER_DISABLED'),
  );
});

test('drops an Access-Request without Message-Authenticator from a client that requires it (SECURITY A2.2)', async () => {
  const before = server.server.processor.counters.drops.MESSAGE_AUTHENTICATOR_MISSING;
  const r = await radclient(
    server.port,
    DEFAULT_SECRET,
    'User-Name = "alice"\nUser-Password = "correct horse"\n',
  );
  assert.match(r.stdout + r.stderr, /No reply from server/);
  assert.equal(server.server.processor.counters.drops.MESSAGE_AUTHENTICATOR_MISSING, before + 1);
});

test('a wrong shared secret is dropped (Message-Authenticator fails) and never logged', async () => {
  const r = await radclient(
    server.port,
    'not-the-secret',
    'User-Name = "alice"\nUser-Password = "correct horse"\nMessage-Authenticator = 0x00\n',
  );
  assert.doesNotMatch(r.stdout, /Received Access-Accept/);
  assert.ok(server.server.processor.counters.drops.MESSAGE_AUTHENTICATOR_INVALID >= 1);
  assert.doesNotMatch(server.rawLogs(), /not-the-secret|correct horse|testing123-assent/);
});

test('Status-Server with Message-Authenticator is answered (RFC 5997)', async () => {
  const r = await runPeer(
    'radclient',
    ['-x', '-r', '1', '-t', '1', `127.0.0.1:${server.port}`, 'status', DEFAULT_SECRET],
    'Message-Authenticator = 0x00\n',
  );
  assert.match(r.stdout, /Received Access-Accept/);
});

test('Accounting-Request is answered with Accounting-Response and logged', async () => {
  const r = await runPeer(
    'radclient',
    ['-x', '-r', '1', '-t', '1', `127.0.0.1:${server.accountingPort}`, 'acct', DEFAULT_SECRET],
    'User-Name = "alice"\nAcct-Status-Type = Start\nAcct-Session-Id = "s-1"\n',
  );
  assert.match(r.stdout, /Received Accounting-Response/);
  assert.ok(server.logs.some((l) => l.event === 'radius.accounting' && l.sessionId === 's-1'));
});

test('accepts a request without Message-Authenticator for a client configured requireMessageAuthenticator: false', async () => {
  const legacy = await startTestServer({
    users: [{ name: 'carol', password: 'carol-pw' }],
    clients: [
      { name: 'legacy', address: '127.0.0.1', secret: LEGACY_SECRET, requireMessageAuthenticator: false },
    ],
  });
  try {
    const r = await radclient(
      legacy.port,
      LEGACY_SECRET,
      'User-Name = "carol"\nUser-Password = "carol-pw"\n',
    );
    assert.match(r.stdout, /Received Access-Accept/);
    assert.match(r.stdout, /Message-Authenticator = 0x[0-9a-f]{32}/, 'the reply still carries MA first');
    const proxied = await radclient(
      legacy.port,
      LEGACY_SECRET,
      'User-Name = "carol"\nUser-Password = "carol-pw"\nProxy-State = 0x01\n',
    );
    assert.match(
      proxied.stdout + proxied.stderr,
      /No reply from server/,
      'Proxy-State without MA is dropped (A2.3)',
    );
  } finally {
    await legacy.stop();
  }
});
