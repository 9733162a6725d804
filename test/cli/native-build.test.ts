// scripts/build-native.mjs: builds the batched UDP addon, skips a fresh build, and never fails an install.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url));

function build(out: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [SCRIPT, '--out', out, ...extra], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

test('builds udp-batch.node and its stamp; --if-stale leaves a fresh build alone', () => {
  const out = mkdtempSync(join(tmpdir(), 'assent-native-'));
  try {
    const first = build(out);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stderr, '');
    const addon = join(out, 'udp-batch.node');
    const loaded = createRequire(import.meta.url)(addon) as { open: unknown; constants: { slot: number } };
    assert.equal(typeof loaded.open, 'function');
    assert.equal(loaded.constants.slot, 4097);
    const builtAt = statSync(addon).mtimeMs;
    const again = build(out, ['--if-stale']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(statSync(addon).mtimeMs, builtAt, '--if-stale rebuilt a fresh addon');
    const forced = build(out);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(statSync(addon).mtimeMs > builtAt, 'a plain build did not rebuild');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('without a working compiler it says so and exits 0, leaving no addon, not even an older one (dgram serves)', () => {
  const out = mkdtempSync(join(tmpdir(), 'assent-native-'));
  try {
    assert.equal(build(out).status, 0);
    assert.equal(existsSync(join(out, 'udp-batch.node')), true);
    const result = build(out, [], { ...process.env, CC: '/nonexistent/cc' });
    assert.equal(result.status, 0);
    assert.match(result.stderr, /could not build native\/udp-batch\.c; RADIUS uses Node's dgram/);
    assert.equal(existsSync(join(out, 'udp-batch.node')), false);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
