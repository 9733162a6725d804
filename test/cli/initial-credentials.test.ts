// First-run credentials reach a terminal or an owner-only file, never stdout/stderr that a log collector reads.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { chooseCredentialsTarget } from '../../src/cli/initial-credentials.js';
import { ASSENT_BIN, cliEnv, runCli, startCli } from '../support/run-cli.js';
import { runPeer } from '../support/run-peer.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-credentials-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const env = cliEnv({
  ASSENT_RADIUS_BIND: '127.0.0.1',
  ASSENT_RADIUS_AUTH_PORT: '0',
  ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
  ASSENT_PASSWORDS_ARGON2_MEMORY_COST: '8192',
  ASSENT_PASSWORDS_ARGON2_TIME_COST: '1',
});

function secretsIn(text: string): { password: string; secret: string } {
  const password = /admin password: +(\S+)/.exec(text)?.[1];
  const secret = /shared secret: +(\S+)/.exec(text)?.[1];
  assert.ok(password && secret, `credentials present:\n${text}`);
  return { password, secret };
}

test('the credentials go to stdout only when it is a terminal that is not the log, else stderr, else a file', () => {
  assert.equal(chooseCredentialsTarget({ stdout: true, stderr: true }, false), 'stdout');
  assert.equal(chooseCredentialsTarget({ stdout: true, stderr: true }, true), 'stderr');
  assert.equal(
    chooseCredentialsTarget({ stdout: true, stderr: false }, true),
    'file',
    'serve: stdout is the log',
  );
  assert.equal(chooseCredentialsTarget({ stdout: false, stderr: true }, false), 'stderr');
  assert.equal(chooseCredentialsTarget({ stdout: false, stderr: false }, false), 'file');
  assert.equal(chooseCredentialsTarget({ stdout: false, stderr: false }, true), 'file');
});

test('serve without a terminal writes the credentials to a 0600 file, logs its path, prints no secret', async () => {
  const dir = tempDir();
  const { child, output } = await startCli(dir, ['serve'], env);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const file = join(dir, 'data', 'initial-credentials.txt');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const { password, secret } = secretsIn(readFileSync(file, 'utf8'));
    assert.ok(!output().includes(password), 'no password on stdout or stderr');
    assert.ok(!output().includes(secret), 'no shared secret on stdout or stderr');
    const logged = output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .find((l) => l.event === 'init.credentials_file');
    assert.ok(logged, `init.credentials_file logged:\n${output()}`);
    assert.equal(
      resolve(dir, logged.path),
      file,
      'the logged path is the file (relative to the working directory)',
    );
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('init without a terminal writes a 0600 file once, prints only its path, and never overwrites it', async () => {
  const dir = tempDir();
  const r = await runCli(dir, ['init'], '', env);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'data', 'initial-credentials.txt');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  const { password, secret } = secretsIn(text);
  for (const stream of [r.stdout, r.stderr]) {
    assert.ok(!stream.includes(password) && !stream.includes(secret), `no secret printed:\n${stream}`);
  }
  assert.match(r.stdout, /initial-credentials\.txt/);
  // A second initialisation (key file moved away) must not replace the file the operator has not read yet.
  rmSync(join(dir, 'data', 'secret.key'));
  rmSync(join(dir, 'data', 'assent.db'));
  const again = await runCli(dir, ['init'], '', env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /initial-credentials\.txt exists/);
  assert.equal(readFileSync(file, 'utf8'), text, 'the file is unchanged');
});

test('init on a terminal shows the credentials there (stderr), with stdout redirected to a file', async () => {
  const dir = tempDir();
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  // script(1) gives the child a pseudo-terminal; stdout is redirected away from it, stderr stays on it.
  const command = `${quote(process.execPath)} ${quote(ASSENT_BIN)} init > out.txt`;
  const r = await runPeer('script', ['-qec', command, '/dev/null'], '', 30_000, { cwd: dir, env });
  assert.equal(r.code, 0, r.stdout);
  secretsIn(r.stdout);
  assert.doesNotMatch(readFileSync(join(dir, 'out.txt'), 'utf8'), /admin password/);
  assert.throws(() => statSync(join(dir, 'data', 'initial-credentials.txt')), /ENOENT/);
});
