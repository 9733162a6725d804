// Issue 12 items 5–8: every failure to start or to open the data ends with the documented exit code and a clear
// message (never a stack trace), through the real `assent` command.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliEnv, runCli } from '../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'assent-exit-'));
after(() => rmSync(root, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) =>
  cliEnv({
    ASSENT_RADIUS_BIND: '127.0.0.1',
    ASSENT_RADIUS_AUTH_PORT: '0',
    ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
    ...extra,
  });

/** A fresh initialised data directory in its own folder. */
async function initialised(name: string): Promise<string> {
  const dir = join(root, name);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  const init = await runCli(dir, ['init'], '', env());
  assert.equal(init.code, 0, init.stderr);
  return dir;
}

let plain: string;
before(async () => {
  plain = await initialised('plain');
});

function noStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, `no stack trace expected:\n${text}`);
}

test('an empty ASSENT_RADIUS_BIND is a configuration error (exit 2) for serve and config check', async () => {
  for (const args of [['serve'], ['config', 'check']]) {
    const r = await runCli(plain, args, '', env({ ASSENT_RADIUS_BIND: '' }));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /radius\.bind/);
    noStack(r.stderr);
  }
});

test('a bind address that is not an IP address is caught by config check and by serve (exit 2)', async () => {
  for (const args of [['config', 'check'], ['serve']]) {
    const r = await runCli(plain, args, '', env({ ASSENT_RADIUS_BIND: 'not-an-address' }));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /radius\.bind\[0\]: expected an IPv4 or IPv6 address/);
  }
});

test('a YAML alias bomb is refused as bad configuration (exit 2), not expanded', async () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const [name, prev] of [
    ['b', 'a'],
    ['c', 'b'],
    ['d', 'c'],
    ['e', 'd'],
    ['f', 'e'],
    ['g', 'f'],
  ]) {
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  writeFileSync(join(plain, 'bomb.yaml'), `${levels.join('\n')}\n`);
  const r = await runCli(plain, ['-c', 'bomb.yaml', 'config', 'check'], '', env());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /bomb\.yaml: .*alias/i);
  noStack(r.stderr);
});

test('an unusable key file stops serve with exit 3', async () => {
  const dir = await initialised('badkey');
  writeFileSync(join(dir, 'data', 'secret.key'), 'not a key\n', { mode: 0o600 });
  const r = await runCli(dir, ['serve'], '', env());
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /key/);
  noStack(r.stderr);
});

test('a zero-length database: serve and user list refuse with exit 3 and say to restore a backup', async () => {
  const dir = await initialised('empty-db');
  truncateSync(join(dir, 'data', 'assent.db'), 0);
  for (const args of [['serve'], ['user', 'list']]) {
    const r = await runCli(dir, args, '', env());
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /assent\.db is an empty file .*restore it from a backup/);
    noStack(r.stderr);
  }
});

test('a damaged database: serve and user list refuse with exit 3, not "ready"', async () => {
  const dir = await initialised('corrupt-db');
  const file = join(dir, 'data', 'assent.db');
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(file);
  // Keep the header, overwrite the pages after it: SQLite opens the file, then finds the damage.
  bytes.fill(0x5a, 100);
  writeFileSync(file, bytes);
  for (const args of [['serve'], ['user', 'list']]) {
    const r = await runCli(dir, args, '', env());
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /damaged|restore/);
    assert.doesNotMatch(r.stdout, /radius\.listening/);
    noStack(r.stderr);
  }
});

test('secondFactor.clients naming no RADIUS client is a warning in config check (exit 0)', async () => {
  writeFileSync(join(plain, 'policy.yaml'), 'secondFactor:\n  clients:\n    fw-typo:\n      mode: concat\n');
  const r = await runCli(plain, ['-c', 'policy.yaml', 'config', 'check'], '', env());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: secondFactor\.clients\.fw-typo: no RADIUS client is named "fw-typo"/);
});
