// Issue 12 item 3: one server per data directory. A second `serve` is refused with a clear message while the CLI
// keeps working beside the first; after kill -9 of the first, a new server starts (no stale lock).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliEnv, runCli, startCli } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'assent-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const env = cliEnv({
  ASSENT_RADIUS_BIND: '127.0.0.1',
  ASSENT_RADIUS_AUTH_PORT: '0',
  ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
});

test('a second server on the same data is refused (exit 1); the CLI works beside; kill -9 leaves no stale lock', async () => {
  assert.equal((await runCli(dir, ['init'], '', env)).code, 0);
  const first = await startCli(dir, ['serve'], env);
  children.push(first.child);
  const exited = new Promise<void>((resolve) => first.child.on('exit', () => resolve()));

  const second = await runCli(dir, ['serve'], '', env);
  assert.equal(second.code, 1, second.stdout + second.stderr);
  assert.match(second.stderr, /another Assent server is using .*assent\.db \(PID \d+\)/);
  assert.doesNotMatch(second.stdout, /radius\.listening/);

  const list = await runCli(dir, ['user', 'list'], '', env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /admin/);

  first.child.kill('SIGKILL');
  await exited;
  const third = await startCli(dir, ['serve'], env);
  children.push(third.child);
  assert.match(third.output(), /radius\.listening/);
});
