// The `assent` CLI's record commands as operators use them: clients, users, imports, and a reader that stops early.
// (Apart from cli.test.ts: each CLI run starts a process, and one file of both outlived the per-file time limit
// on a loaded CI machine.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ASSENT_BIN, cliEnv, runCli } from '../support/run-cli.js';

let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-records-'));
  const init = await runCli(dir, ['init']);
  assert.equal(init.code, 0, init.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('client add/list/remove with secret rules (SECURITY A5.1)', async () => {
  const added = await runCli(dir, ['client', 'add', '--name', 'fw1', '--address', '192.0.2.10']);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /shared secret: \S{32}/);
  assert.match(added.stderr, /RadSec or IPsec/, 'a public address gets the UDP warning');
  assert.equal((await runCli(dir, ['client', 'add', '--name', 'fw1', '--address', '192.0.2.11'])).code, 1);
  assert.equal((await runCli(dir, ['client', 'add', '--name', 'x', '--address', 'not-an-ip'])).code, 2);
  const short = await runCli(dir, [
    'client',
    'add',
    '--name',
    'x',
    '--address',
    '10.0.0.1',
    '--secret',
    'abc',
  ]);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /too short/);
  const legacy = await runCli(dir, [
    'client',
    'add',
    '--name',
    'pam',
    '--address',
    '10.1.0.0/16',
    '--secret',
    'a-long-enough-secret',
    '--no-require-message-authenticator',
  ]);
  assert.equal(legacy.code, 0, legacy.stderr);
  const list = await runCli(dir, ['client', 'list', '--json']);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const pam = rows.find((r) => r.name === 'pam');
  assert.equal(pam.requireMessageAuthenticator, false);
  assert.equal(pam.limitProxyState, true);
  assert.doesNotMatch(list.stdout, /a-long-enough-secret/, 'secrets are never listed');
  assert.equal((await runCli(dir, ['client', 'remove', 'pam'])).code, 0);
  assert.equal((await runCli(dir, ['client', 'remove', 'pam'])).code, 1);
});

test('user add/passwd/disable/enable/remove; passwords come from stdin, never argv', async () => {
  const added = await runCli(
    dir,
    ['user', 'add', 'bob', '--password-stdin', '--groups', 'vpn,admins'],
    'bob-secret-pw\n',
  );
  assert.equal(added.code, 0, added.stderr);
  const listed = JSON.parse(
    (await runCli(dir, ['user', 'list', '--json'])).stdout
      .trim()
      .split('\n')
      .find((l) => l.includes('"bob"'))!,
  );
  assert.equal(listed.passwordScheme, '$argon2id$');
  assert.deepEqual(listed.groups, ['vpn', 'admins']);
  assert.equal((await runCli(dir, ['user', 'add', 'bob', '--password-stdin'], 'x\n')).code, 1, 'duplicate');
  assert.equal((await runCli(dir, ['user', 'passwd', 'bob', '--password-stdin'], 'new-pw\n')).code, 0);
  assert.equal((await runCli(dir, ['user', 'disable', 'bob'])).code, 0);
  assert.match((await runCli(dir, ['user', 'list'])).stdout, /bob\tdisabled/);
  assert.equal((await runCli(dir, ['user', 'enable', 'bob'])).code, 0);
  const generated = await runCli(dir, ['user', 'add', 'carol', '--generate-password']);
  assert.match(generated.stdout, /password: \S{24}/);
  assert.equal((await runCli(dir, ['user', 'remove', 'nobody'])).code, 1);
  assert.equal((await runCli(dir, ['user', 'add', 'bad\u0001name', '--generate-password'])).code, 2);
  // A directory user's local record: no password is asked or stored; it holds tokens and groups.
  const directory = await runCli(dir, ['user', 'add', 'dave', '--no-password', '--groups', 'vpn']);
  assert.equal(directory.code, 0, directory.stderr);
  assert.match((await runCli(dir, ['user', 'list'])).stdout, /dave\tactive\tvpn\tnone/);
});

test('user import reads CSV and FreeRADIUS users files with legacy hashes; a bad line imports nothing', async () => {
  const salt = randomBytes(8);
  const ssha = (pw: string) =>
    Buffer.concat([createHash('sha256').update(pw).update(salt).digest(), salt]).toString('base64');
  writeFileSync(
    join(dir, 'users.csv'),
    `username,password_hash,groups\nimp1,{SSHA256}${ssha('pw-1')},vpn\nimp2,{SSHA256}${ssha('pw-2')},\n`,
  );
  const csv = await runCli(dir, ['user', 'import', 'users.csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, /2 added/);
  writeFileSync(
    join(dir, 'authorize'),
    `imp3 SSHA2-256-Password := "${ssha('pw-3')}"\n\nDEFAULT Auth-Type := Reject\n`,
  );
  const fr = await runCli(dir, ['user', 'import', 'authorize', '--format', 'freeradius']);
  assert.equal(fr.code, 0, fr.stderr);
  assert.match(fr.stdout, /1 added/);
  assert.match(fr.stderr, /skipped/);
  writeFileSync(join(dir, 'bad.csv'), 'username,password_hash\nimp4,{MD5}xyz\n');
  const bad = await runCli(dir, ['user', 'import', 'bad.csv']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.csv:2/);
  assert.doesNotMatch((await runCli(dir, ['user', 'list'])).stdout, /imp4/);
});

const AUTHENTICATOR_BIN = new URL('../../bin/assent-authenticator.js', import.meta.url).pathname;

for (const bin of [ASSENT_BIN, AUTHENTICATOR_BIN]) {
  const name = bin.endsWith('assent.js') ? 'assent' : 'assent-authenticator';
  test(`a reader that stops early (${name} … | head) ends it quietly with its exit code, no stack trace`, async () => {
    const child = spawn(process.execPath, [bin, '--help'], {
      cwd: new URL('../../', import.meta.url),
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Our end of the pipe is closed before the CLI writes: its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
}
