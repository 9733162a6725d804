// Issue 12 item 12 through the real CLI: names that are not UTF-8, passwords that could never be typed in and
// absurd group lists are refused with a clear message naming the line (import) or the option (add, passwd).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/run-cli.js';

let dir: string;
const assent = (args: readonly string[], input = '') => runCli(dir, args, input);
const listed = async () => (await assent(['user', 'list'])).stdout;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-user-rules-'));
  assert.equal((await assent(['init'])).code, 0);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a CSV line whose user name is not UTF-8 (Latin-1 é) fails by its line number; nothing is imported', async () => {
  const file = join(dir, 'latin1.csv');
  const latin1Name = Buffer.from([0x72, 0x65, 0x6e, 0xe9]); // "rené" in ISO-8859-1
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from('username,password\nfine,fine-pw-1\n'),
      latin1Name,
      Buffer.from(',rene-pw-1\n'),
    ]),
  );
  const r = await assent(['user', 'import', file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /latin1\.csv:3: error: column username: user name is not valid UTF-8/);
  assert.doesNotMatch(await listed(), /fine|ren/);
});

test('a CSV import refuses passwords over 128 octets, with NUL, and more than 100 groups, by line', async () => {
  const file = join(dir, 'policy.csv');
  const groups = Array.from({ length: 101 }, (_, i) => `g${i}`).join(';');
  writeFileSync(
    file,
    `username,password,groups\nlong,${'x'.repeat(129)},\nmany,ok-pw-1,${groups}\nok,${'y'.repeat(128)},vpn\n`,
  );
  const r = await assent(['user', 'import', file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /policy\.csv:2: error: column password: password longer than 128 octets/);
  assert.match(r.stderr, /policy\.csv:3: error: column groups: 101 groups \(at most 100\)/);
  assert.doesNotMatch(r.stderr, /policy\.csv:4/, 'a 128-octet password is fine');
  assert.doesNotMatch(r.stderr, /x{20}/, 'the password is never echoed');
});

test('user add and passwd refuse empty, over-long and NUL passwords and absurd groups (exit 2)', async () => {
  const cases: [readonly string[], string, RegExp][] = [
    [['user', 'add', 'amy', '--password-stdin'], '\n', /empty password/],
    [['user', 'add', 'amy', '--password-stdin'], `${'z'.repeat(129)}\n`, /longer than 128 octets/],
    [['user', 'add', 'amy', '--password-stdin'], 'a\u0000b\n', /NUL/],
    [
      [
        'user',
        'add',
        'amy',
        '--no-password',
        '--groups',
        Array.from({ length: 101 }, (_, i) => `g${i}`).join(),
      ],
      '',
      /--groups: 101 groups \(at most 100\)/,
    ],
    [['user', 'add', 'x'.repeat(254), '--no-password'], '', /longer than 253 octets/],
    [['user', 'add', 'tab\tname', '--no-password'], '', /control characters/],
  ];
  for (const [args, input, message] of cases) {
    const r = await assent(args, input);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.doesNotMatch(await listed(), /amy/);
  assert.equal((await assent(['user', 'add', 'amy', '--password-stdin'], 'amy-pw-1\n')).code, 0);
  const long = await assent(['user', 'passwd', 'amy', '--password-stdin'], `${'q'.repeat(300)}\n`);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /longer than 128 octets/);
});

test('user enable --help says what enable does, not the disable text', async () => {
  const enable = (await assent(['user', 'enable', '--help'])).stdout;
  const disable = (await assent(['user', 'disable', '--help'])).stdout;
  assert.match(enable, /enable a disabled user again/);
  assert.match(disable, /disable a user/);
  assert.doesNotMatch(enable, /disable a user/);
});
