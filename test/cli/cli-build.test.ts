// The command-line build (scripts/build-cli.mjs, bin/build-state.js): a bundle runs only while it matches the
// sources, and the bundle itself works as src/ does, with a real server, radtest and the password worker thread.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshBuild, sourceFingerprint } from '../../bin/build-state.js';
import { PACKAGE_VERSION } from '../../src/package-version.js';
import { freeUdpPort } from '../support/free-udp-port.js';
import { cliEnv, runCli, startCli } from '../support/run-cli.js';
import { runPeer } from '../support/run-peer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'assent-build-'));
// The bundles find package.json and dist/ one level up, so a test build sits in the repository, as build/ does.
const out = join(ROOT, `.build-test-${process.pid}`);
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

/** A repository in miniature: src/ with two files, package.json, and a build made from them. */
function miniature(): string {
  const root = mkdtempSync(join(scratch, 'repo-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), 'export {};\n');
  writeFileSync(join(root, 'src', 'main.ts'), 'export {};\n');
  writeFileSync(join(root, 'package.json'), '{}\n');
  mkdirSync(join(root, 'build'));
  writeFileSync(join(root, 'build', 'assent.mjs'), '');
  writeFileSync(join(root, 'build', 'fingerprint'), `${sourceFingerprint(root)}\n`);
  return root;
}

test('a build runs only while it matches the sources: an edit, a new file or a dependency change make it stale', () => {
  const edited = miniature();
  assert.equal(freshBuild('assent.mjs', edited), join(edited, 'build', 'assent.mjs'));
  const later = new Date(Date.now() + 5000);
  utimesSync(join(edited, 'src', 'main.ts'), later, later);
  assert.equal(freshBuild('assent.mjs', edited), undefined, 'a source touched after the build');

  const added = miniature();
  writeFileSync(join(added, 'src', 'cli', 'new.ts'), 'export {};\n');
  assert.equal(freshBuild('assent.mjs', added), undefined, 'a new source file');

  const resized = miniature();
  writeFileSync(join(resized, 'package.json'), '{"dependencies":{}}\n');
  assert.equal(freshBuild('assent.mjs', resized), undefined, 'package.json changed');

  const missing = miniature();
  rmSync(join(missing, 'build', 'assent.mjs'));
  assert.equal(freshBuild('assent.mjs', missing), undefined, 'the bundle itself is gone');

  const unrecorded = miniature();
  rmSync(join(unrecorded, 'build', 'fingerprint'));
  assert.equal(freshBuild('assent.mjs', unrecorded), undefined, 'no fingerprint: never trusted');

  const forced = miniature();
  process.env.ASSENT_FROM_SOURCE = '1';
  try {
    assert.equal(freshBuild('assent.mjs', forced), undefined, 'ASSENT_FROM_SOURCE=1');
  } finally {
    delete process.env.ASSENT_FROM_SOURCE;
  }
  assert.equal(freshBuild('assent.mjs', forced), join(forced, 'build', 'assent.mjs'));
});

test('the built command works as src/ does: version, init, a bcrypt user checked in the worker thread', async () => {
  const built = await runPeer(
    process.execPath,
    [join(ROOT, 'scripts', 'build-cli.mjs'), '--out', out],
    '',
    60_000,
  );
  assert.equal(built.code, 0, built.stderr);
  assert.equal(readFileSync(join(out, 'fingerprint'), 'utf8').trim(), sourceFingerprint());
  const bin = join(out, 'assent.mjs');

  const version = await runCli(scratch, ['--version'], '', cliEnv(), bin);
  assert.equal(version.stdout.trim(), PACKAGE_VERSION);
  const authenticator = await runPeer(process.execPath, [join(out, 'assent-authenticator.mjs'), '--help']);
  assert.equal(authenticator.code, 0, authenticator.stderr);
  assert.match(authenticator.stdout, /Usage: assent-authenticator/);

  const dir = mkdtempSync(join(scratch, 'data-'));
  const port = await freeUdpPort();
  const env = cliEnv({
    ASSENT_RADIUS_BIND: '127.0.0.1',
    ASSENT_RADIUS_AUTH_PORT: String(port),
    ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
    ASSENT_RADIUS_REJECT_DELAY_MS: '0',
  });
  const init = await runCli(dir, ['init'], '', env, bin);
  assert.equal(init.code, 0, init.stderr);
  const secret = /shared secret: +(\S+)/.exec(
    readFileSync(join(dir, 'data', 'initial-credentials.txt'), 'utf8'),
  )![1]!;
  // bcrypt, cost 10, of "correct horse" (test/directory/password/vectors): checked in crypt-worker.mjs, which the
  // bundle starts from beside itself.
  const hash = '$2b$10$9YdwM1gLsxSF.3p54NY77OyDGvQwV6t.roAW3vgLpAASlANk9IAmO';
  writeFileSync(join(dir, 'users.csv'), `username,password_hash\ncarol,{CRYPT}${hash}\n`);
  const imported = await runCli(dir, ['user', 'import', 'users.csv', '--format', 'csv'], '', env, bin);
  assert.equal(imported.code, 0, imported.stderr);

  const { child, output } = await startCli(dir, ['serve'], env, bin);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const login = await runPeer('radtest', ['carol', 'correct horse', `127.0.0.1:${port}`, '0', secret]);
    assert.match(login.stdout, /Received Access-Accept/, `${login.stdout}\n${output()}`);
    const wrong = await runPeer('radtest', ['carol', 'correct horsE', `127.0.0.1:${port}`, '0', secret]);
    assert.match(wrong.stdout, /Received Access-Reject/, wrong.stdout);
    // The bundle finds the batched UDP addon one level up from itself, as the sources do two levels up.
    assert.match(
      output(),
      new RegExp(`"event":"radius.listening".*"udp":"batched".*"version":"${PACKAGE_VERSION}"`),
    );
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, output());
});
