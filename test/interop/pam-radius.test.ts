// pam_radius_auth + pamtester: the PAM path of sshd/sudo logs in a local user. Needs root (a private mount
// namespace bind-mounts a temp /etc/pam.d; nothing on the host changes).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runPeer } from '../support/run-peer.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'pam-secret-89012';
let server: TestServer;
let dir: string;

before(async () => {
  // pam_radius_auth 2.0.0 sends no Message-Authenticator: this client entry must allow that (PEERS.md).
  server = await startTestServer({
    users: [{ name: 'erin', password: 'erin-pw' }],
    clients: [{ name: 'pam', address: '127.0.0.1', secret: SECRET, requireMessageAuthenticator: false }],
  });
  dir = mkdtempSync(join(tmpdir(), 'assent-pam-'));
  mkdirSync(join(dir, 'pam.d'));
  const conf = join(dir, 'pam_radius_auth.conf');
  writeFileSync(conf, `127.0.0.1:${server.port} ${SECRET} 3\n`);
  chmodSync(conf, 0o600);
  writeFileSync(join(dir, 'pam.d', 'assenttest'), `auth required pam_radius_auth.so conf=${conf}\n`);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pamtester = (user: string, password: string) =>
  runPeer(
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      `mount --bind ${join(dir, 'pam.d')} /etc/pam.d && pamtester -v assenttest ${user} authenticate`,
    ],
    `${password}\n`,
  );

test('pam_radius_auth logs in a local user with the right password', async () => {
  const r = await pamtester('erin', 'erin-pw');
  assert.match(r.stdout + r.stderr, /successfully authenticated/, r.stdout + r.stderr);
});

test('pam_radius_auth refuses a wrong password', async () => {
  const r = await pamtester('erin', 'wrong');
  assert.doesNotMatch(r.stdout + r.stderr, /successfully authenticated/);
  assert.match(r.stdout + r.stderr, /Authentication failure|authentication failure/i, r.stdout + r.stderr);
});
