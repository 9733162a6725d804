// eapol_test (wpa_supplicant) sends EAP with Message-Authenticator; without EAP support we answer a clean reject.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET, startTestServer } from '../support/test-server.js';

test('eapol_test (EAP-MD5) gets a clean Access-Reject with EAP-Failure, and the reason is logged', async () => {
  const server = await startTestServer({ users: [{ name: 'alice', password: 'pw1' }] });
  const dir = mkdtempSync(join(tmpdir(), 'assent-eapol-'));
  try {
    const conf = join(dir, 'eapol.conf');
    writeFileSync(
      conf,
      'network={\n  key_mgmt=IEEE8021X\n  eap=MD5\n  identity="alice"\n  password="pw1"\n}\n',
    );
    const r = await runPeer('eapol_test', [
      '-c',
      conf,
      '-a',
      '127.0.0.1',
      '-p',
      String(server.port),
      '-s',
      DEFAULT_SECRET,
      '-t',
      '5',
    ]);
    assert.match(r.stdout, /RADIUS message: code=3 \(Access-Reject\)/, r.stdout.slice(-2000));
    assert.match(r.stdout, /FAILURE/);
    assert.equal(r.code, 252, 'eapol_test exits 252 on a reject');
    const decision = server.logs.find((l) => l.event === 'radius.decision');
    assert.equal(decision?.reason, 'EAP_UNSUPPORTED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
});
