// Issue 12 item 2: one code, one login. A secret held twice by one user (a database from before the store refused
// copies) must not accept the same code once per token; the replay guard holds per user and secret.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { encodeBase32 } from '../../src/otp/base32.js';
import { insertTokenRow } from '../support/raw-token.js';
import { radclient, runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

const secret = new Uint8Array(randomBytes(20));
let server: TestServer;

before(async () => {
  server = await startTestServer({
    users: [{ name: 'kim', password: 'kim-pw' }],
    tokens: [
      { serial: 'T-kim', userName: 'kim', type: 'totp', secret, algorithm: 'SHA1', digits: 6, period: 30 },
    ],
  });
  insertTokenRow(server.dir, { serial: 'T-kim-copy', userName: 'kim', secret });
  // Another process wrote the database: the running server reads the change log now, not at its next poll.
  server.server.syncChanges();
});
after(async () => {
  await server?.stop();
});

async function twoStep(code: string): Promise<string> {
  const first = await radclient(
    server.port,
    DEFAULT_SECRET,
    'User-Name = "kim"\nUser-Password = "kim-pw"\nMessage-Authenticator = 0x00\n',
  );
  assert.match(first.stdout, /Received Access-Challenge/, first.stdout + first.stderr);
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))![1]!;
  const second = await radclient(
    server.port,
    DEFAULT_SECRET,
    `User-Name = "kim"\nUser-Password = "${code}"\nState = ${state}\nMessage-Authenticator = 0x00\n`,
  );
  return /Received (Access-\w+)/.exec(second.stdout)?.[1] ?? second.stdout + second.stderr;
}

test('a code accepted through one copy of a secret is refused through the other (replay guard per secret)', async () => {
  const code = (await runPeer('oathtool', ['--totp', '-b', encodeBase32(secret)])).stdout.trim();
  assert.equal(await twoStep(code), 'Access-Accept');
  // The copy's own guard has never seen this code: only a guard per user and secret refuses it.
  assert.notEqual(await twoStep(code), 'Access-Accept');
  const decisions = server.logs.filter((l) => l.event === 'radius.decision' && l.user === 'kim');
  assert.ok(
    decisions.some((l) => l.reason === 'CODE_REPLAYED'),
    JSON.stringify(decisions.map((l) => l.reason ?? l.outcome)),
  );
});
