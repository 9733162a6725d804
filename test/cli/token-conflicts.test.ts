// Issue 12 item 2 through the real CLI: `token import` and `token add` refuse a secret the user already holds and
// a second spelling of a name that already holds tokens, with a clear message and exit 1, importing nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/run-cli.js';

let dir: string;
const assent = (args: readonly string[]) => runCli(dir, args);

function csv(name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `serial,user,secret\n${lines.join('\n')}\n`);
  return file;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-token-conflicts-'));
  assert.equal((await assent(['init'])).code, 0);
  for (const name of ['kim', 'Kim']) {
    const r = await assent(['user', 'add', name, '--generate-password']);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('token import refuses two tokens of one user with the same secret, and imports none of the file', async () => {
  const file = csv('copy.csv', ['C1,kim,JBSWY3DPEHPK3PXP', 'C2,kim,JBSWY3DPEHPK3PXP']);
  const r = await assent(['token', 'import', file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /nothing imported: line 3: token C2: "kim" already holds token C1 with this secret/);
  assert.doesNotMatch(r.stderr, /JBSWY3DPEHPK3PXP|\n\s+at /, 'no secret and no stack trace');
  assert.doesNotMatch((await assent(['token', 'list'])).stdout, /C1|C2/);
});

test('a secret imports once; a later import of a copy for the same user is refused', async () => {
  assert.equal((await assent(['token', 'import', csv('one.csv', ['K1,kim,JBSWY3DPEHPK3PXP'])])).code, 0);
  const again = await assent(['token', 'import', csv('again.csv', ['K2,kim,JBSWY3DPEHPK3PXP'])]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds token K1/);
});

test('token add for a second spelling of a holder is refused and names the spelling in use', async () => {
  const r = await assent(['token', 'add', '--user', 'Kim']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /tokens are held under "kim", which differs from "Kim" only in case/);
  assert.doesNotMatch(r.stdout, /otpauth:/, 'no secret is shown for a token that was not stored');
});

test('token import names the line of a token whose user is unknown or whose serial exists (issue 12 item 13)', async () => {
  const r = await assent([
    'token',
    'import',
    csv('lines.csv', ['L1,kim,JBSWY3DPEHPK3PXQ', 'L2,nobody,JBSWY3DPEHPK3PXR']),
  ]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /line 3: no user named "nobody"/);
  assert.doesNotMatch(r.stderr, /token 2:/);
});

test('token add --type backup --count takes 1 to 50 codes, as its help says', async () => {
  const fifty = await assent(['token', 'add', '--user', 'kim', '--type', 'backup', '--count', '50']);
  assert.equal(fifty.code, 0, fifty.stderr);
  assert.match(fifty.stdout, /\(backup, 50 codes\)/);
  assert.equal(fifty.stdout.match(/^ {2}\d{5} \d{5}$/gm)?.length, 50, fifty.stdout);
  for (const bad of ['0', '51', '2.5', 'ten']) {
    const r = await assent(['token', 'add', '--user', 'kim', '--type', 'backup', '--count', bad]);
    assert.equal(r.code, 2, `--count ${bad}`);
    assert.match(r.stderr, /expected an integer 1–50/);
  }
  assert.match((await assent(['token', 'add', '--help'])).stdout, /backup codes to create \(1–50\)/);
});
