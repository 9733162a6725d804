// The `assent` CLI as operators use it: help, exit codes, init, config check (records: cli-records.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliEnv, runCli } from '../support/run-cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('--help lists every command and the exit codes; subcommands have their own help', async () => {
  const top = await runCli(dir, ['--help']);
  assert.equal(top.code, 0);
  for (const word of ['serve', 'init', 'client', 'user', 'config', 'bench', 'Exit codes'])
    assert.match(top.stdout, new RegExp(word));
  const add = await runCli(dir, ['client', 'add', '--help']);
  assert.equal(add.code, 0);
  assert.match(add.stdout, /--no-require-message-authenticator/);
  assert.match(add.stdout, /Examples:/);
});

test('an unknown command or option is a usage error (exit 2)', async () => {
  assert.equal((await runCli(dir, ['frobnicate'])).code, 2);
  assert.equal((await runCli(dir, ['user', 'add'])).code, 2);
});

test('data commands before init exit 3 and say to run "assent init"', async () => {
  const r = await runCli(dir, ['client', 'list']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /run "assent init"/);
});

test('config check names the bad key and its environment variable (exit 2)', async () => {
  const r = await runCli(dir, ['config', 'check'], '', cliEnv({ ASSENT_RADIUS_AUTH_PORT: 'abc' }));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /radius\.authPort/);
  assert.match(r.stderr, /ASSENT_RADIUS_AUTH_PORT/);
  const ok = await runCli(
    dir,
    ['config', 'check', '--print'],
    '',
    cliEnv({ ASSENT_RADIUS_AUTH_PORT: '11812' }),
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).radius.authPort, 11812);
});

test('config check also finds unknown reply attributes and realms naming no directory (exit 2)', async () => {
  const sub = mkdtempSync(join(dir, 'wiring-'));
  writeFileSync(
    join(sub, 'assent.yaml'),
    [
      'replyAttributes:',
      '  vpn: [{ name: Fortinet-Grup-Name, value: x }]',
      'realms:',
      '  default: [local, corp]',
      'secondFactor:',
      "  graceUntil: '2027-02-30'",
      '',
    ].join('\n'),
  );
  const r = await runCli(sub, ['config', 'check']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /replyAttributes\.vpn: .*Fortinet-Grup-Name/);
  assert.match(r.stderr, /realms\.default: unknown source "corp"/);
  assert.match(r.stderr, /secondFactor\.graceUntil: "2027-02-30" is not a calendar date/);
});

test('init creates a 0600 key file and the database, prints the admin password once, and refuses a second run', async () => {
  const r = await runCli(dir, ['init']);
  assert.equal(r.code, 0, r.stderr);
  // Not a terminal: the password is in the owner-only credentials file (see initial-credentials.test.ts).
  const credentials = readFileSync(join(dir, 'data', 'initial-credentials.txt'), 'utf8');
  assert.match(credentials, /admin password: +\S{24}/);
  assert.match(credentials, /radtest admin '[^']+' 127\.0\.0\.1:1812 0 '[^']+'/);
  assert.equal(statSync(join(dir, 'data', 'secret.key')).mode & 0o777, 0o600);
  const again = await runCli(dir, ['init']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already initialised/);
});
