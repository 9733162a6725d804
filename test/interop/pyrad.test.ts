// pyrad (python3-pyrad, run with /usr/bin/python3) as a second independent client. It sends no
// Message-Authenticator, so it is the model of a legacy client (PEERS.md).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runPeer } from '../support/run-peer.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = fileURLToPath(new URL('./peers/pyrad-pap.py', import.meta.url));
const dict = fileURLToPath(new URL('./peers/pyrad.dict', import.meta.url));
const SECRET = 'pyrad-secret-4567';
let legacy: TestServer;
let strict: TestServer;

before(async () => {
  const users = [{ name: 'dave', password: 'dave-pw' }];
  legacy = await startTestServer({
    users,
    clients: [{ name: 'py', address: '127.0.0.1', secret: SECRET, requireMessageAuthenticator: false }],
  });
  strict = await startTestServer({ users, clients: [{ name: 'py', address: '127.0.0.1', secret: SECRET }] });
});
after(async () => {
  await legacy.stop();
  await strict.stop();
});

const pyrad = (server: TestServer, user: string, password: string) =>
  runPeer('/usr/bin/python3', [script, String(server.port), SECRET, user, password, dict]);

test('pyrad gets Access-Accept (code 2) for the right password from a legacy-policy client', async () => {
  const r = await pyrad(legacy, 'dave', 'dave-pw');
  assert.match(r.stdout, /^code 2$/m, r.stdout + r.stderr);
  assert.match(r.stdout, /^message-authenticator True$/m);
});

test('pyrad gets Access-Reject (code 3) for a wrong password', async () => {
  const r = await pyrad(legacy, 'dave', 'nope');
  assert.match(r.stdout, /^code 3$/m, r.stdout + r.stderr);
});

test('pyrad without Message-Authenticator gets no reply from a client entry that requires it', async () => {
  const r = await pyrad(strict, 'dave', 'dave-pw');
  assert.match(r.stdout, /^timeout$/m, r.stdout + r.stderr);
  assert.equal(strict.server.processor.counters.drops.MESSAGE_AUTHENTICATOR_MISSING, 1);
});
