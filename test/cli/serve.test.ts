// `assent serve` as a process: first start initialises and prints a radtest line that works, legacy hashes are
// upgraded on login, SIGHUP reloads clients, SIGTERM answers what is in flight and exits 0.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Code } from '../../src/radius/code.js';
import { freeUdpPort } from '../support/free-udp-port.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { cliEnv, runCli, startCli } from '../support/run-cli.js';
import { radclient, runPeer } from '../support/run-peer.js';

const dir = mkdtempSync(join(tmpdir(), 'assent-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('serve: first start, radtest line, hash upgrade, SIGHUP reload, SIGTERM drain', async () => {
  const port = await freeUdpPort();
  const env = cliEnv({
    ASSENT_RADIUS_BIND: '127.0.0.1',
    ASSENT_RADIUS_AUTH_PORT: String(port),
    ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
    ASSENT_PASSWORDS_ARGON2_MEMORY_COST: '8192',
    ASSENT_PASSWORDS_ARGON2_TIME_COST: '1',
  });
  const { child, output } = await startCli(dir, ['serve'], env);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    // No terminal here: the first start writes the credentials to an owner-only file, not to the log.
    const credentials = readFileSync(join(dir, 'data', 'initial-credentials.txt'), 'utf8');
    const line = /^ {2}(radtest .*)$/m.exec(credentials)?.[1];
    assert.ok(line, `a radtest line is written:\n${credentials}`);
    const tried = await runPeer('sh', ['-c', line]);
    assert.match(tried.stdout, /Received Access-Accept/, 'the printed line works as printed');
    const secret = /shared secret: +(\S+)/.exec(credentials)![1]!;

    const salt = randomBytes(8);
    const ssha = Buffer.concat([
      createHash('sha256').update('legacy-pw').update(salt).digest(),
      salt,
    ]).toString('base64');
    writeFileSync(join(dir, 'old.csv'), `username,password_hash\nold,{SSHA256}${ssha}\n`);
    assert.equal((await runCli(dir, ['user', 'import', 'old.csv'], '', env)).code, 0);
    // No wait: a name the running server does not know makes it look at the change log first (docs/storage.md).
    const login = await runPeer('radtest', ['old', 'legacy-pw', `127.0.0.1:${port}`, '0', secret]);
    assert.match(login.stdout, /Received Access-Accept/);
    let scheme = '';
    for (let i = 0; i < 50 && scheme !== '$argon2id$'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const list = await runCli(dir, ['user', 'list', '--json'], '', env);
      scheme = JSON.parse(list.stdout.split('\n').find((l) => l.includes('"old"'))!).passwordScheme;
    }
    assert.equal(scheme, '$argon2id$', 'the legacy hash was replaced after the login (upgradeLegacyHashes)');

    // An enrolled token turns the password into the first step: Access-Challenge, then the code from oathtool.
    const token = await runCli(dir, ['token', 'add', '--user', 'old', '--type', 'totp'], '', env);
    assert.equal(token.code, 0, token.stderr);
    const serial = /(ASNT\d{8})/.exec(token.stdout)![1]!;
    const base32 = /secret=([A-Z2-7]+)/.exec(token.stdout)![1]!;
    await new Promise((r) => setTimeout(r, 700));
    const challenged = await runPeer('radtest', ['-x', 'old', 'legacy-pw', `127.0.0.1:${port}`, '0', secret]);
    assert.match(challenged.stdout, /Received Access-Challenge/, challenged.stdout);
    const state = /State = (0x[0-9a-f]+)/.exec(challenged.stdout)![1]!;
    const code = (await runPeer('oathtool', ['--totp', '-b', base32])).stdout.trim();
    const answered = await radclient(
      port,
      secret,
      `User-Name = "old"\nUser-Password = "${code}"\nState = ${state}\nMessage-Authenticator = 0x00\n`,
    );
    assert.match(answered.stdout, /Received Access-Accept/, answered.stdout);
    assert.equal((await runCli(dir, ['token', 'remove', serial], '', env)).code, 0);
    await new Promise((r) => setTimeout(r, 700));
    const again = await runPeer('radtest', ['old', 'legacy-pw', `127.0.0.1:${port}`, '0', secret]);
    assert.match(again.stdout, /Received Access-Accept/);
    const added = await runCli(
      dir,
      ['client', 'add', '--name', 'late', '--address', '127.0.0.5', '--secret', 'late-client-secret'],
      '',
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const late = await RawRadiusClient.open(port, 'late-client-secret', '127.0.0.5');
    try {
      // The change log brings the new client to the running server without a SIGHUP (docs/storage.md), at its
      // next look (every 100 ms): a request sent before that is an unknown client's, dropped, and the NAS's
      // retransmission (the same datagram) is answered.
      const first = late.accessRequest({ user: 'old', password: 'legacy-pw' });
      const reply = (await late.exchange(first, 1000)) ?? (await late.exchange(first, 2000));
      assert.ok(reply, 'known without SIGHUP');
      assert.equal(decodeReply(reply).code, Code.AccessAccept);
      child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      const afterHup = await late.exchange(late.accessRequest({ user: 'old', password: 'legacy-pw' }), 3000);
      assert.ok(afterHup, 'still known after SIGHUP');
      assert.equal(decodeReply(afterHup).code, Code.AccessAccept);

      // A wrong password waits out the 1 s reject delay; SIGTERM must still answer it before exiting.
      const pending = late.exchange(late.accessRequest({ user: 'old', password: 'wrong' }), 5000);
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      const rejected = await pending;
      assert.ok(rejected, 'the request in flight was answered during shutdown');
      assert.equal(decodeReply(rejected).code, Code.AccessReject);
    } finally {
      late.close();
    }
    assert.equal(await exited, 0);
    assert.match(output(), /Assent stopped/);
    assert.doesNotMatch(output(), /legacy-pw|late-client-secret/, 'no password or secret in the logs');
  } finally {
    child.kill('SIGKILL');
  }
});
