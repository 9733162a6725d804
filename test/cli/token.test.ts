// `assent token` through the real CLI: enrolment checked with oathtool, QR files, listing, removal, CSV import.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { hashBackupCode, type TokenStore } from '../../src/domain/token.js';
import { decodeBase32 } from '../../src/otp/base32.js';
import { verifyHotp } from '../../src/otp/verify-hotp.js';
import { verifyTotp } from '../../src/otp/verify-totp.js';
import { loadSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { cliEnv, runCli } from '../support/run-cli.js';
import { type PeerResult, runPeer } from '../support/run-peer.js';

let dir: string;
const mainWired = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8').includes(
  'registerTokenCommands',
);

/**
 * Runs `assent …`. Until the lead wires `registerTokenCommands` into src/cli/main.ts, a stand-in entry point
 * builds the same program (global options, exit codes) from the real command modules.
 */
function assent(args: readonly string[], input = ''): Promise<PeerResult> {
  if (mainWired) return runCli(dir, args, input);
  const entry = join(dir, 'assent-entry.mjs');
  const src = (path: string) => JSON.stringify(new URL(`../../src/cli/${path}`, import.meta.url).href);
  writeFileSync(
    entry,
    `import { Command, CommanderError } from ${JSON.stringify(import.meta.resolve('commander'))};
import { CliError } from ${src('cli-error.ts')};
import { registerInitCommand } from ${src('commands/init.ts')};
import { registerUserCommands } from ${src('commands/user.ts')};
import { registerTokenCommands } from ${src('commands/token.ts')};
const program = new Command('assent').option('-c, --config <file>').option('--data-dir <dir>').exitOverride();
for (const register of [registerInitCommand, registerUserCommands, registerTokenCommands]) register(program);
for (const c of program.commands) { c.exitOverride(); for (const s of c.commands) s.exitOverride(); }
try { await program.parseAsync(process.argv); } catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else if (error instanceof CliError) { process.stderr.write('assent: ' + error.message + '\\n'); process.exitCode = error.exitCode; }
  else { process.stderr.write(String(error.stack)); process.exitCode = 1; }
}
`,
  );
  const args2 = ['--import', import.meta.resolve('tsx'), entry, ...args];
  return runPeer(process.execPath, args2, input, 30_000, { cwd: dir, env: cliEnv() });
}

/** Opens the token store the CLI wrote, as the server would. */
async function withTokenStore<T>(work: (store: TokenStore) => Awaitable<T>): Promise<T> {
  const db = openSqlite(join(dir, 'data', 'assent.db'));
  try {
    return await work(new SqliteTokenStore(db, loadSealer(join(dir, 'data', 'secret.key')).sealer));
  } finally {
    db.close();
  }
}

/** The TOTP code oathtool computes now from a base32 secret (an independent RFC 6238 implementation). */
function oathtoolTotp(base32: string, extra: readonly string[] = [], mode = '--totp'): string {
  return execFileSync('oathtool', [mode, ...extra, '-b', base32], { encoding: 'utf8' }).trim();
}

function verifiesNow(serial: string, code: string): Promise<boolean> {
  return withTokenStore(async (store) => {
    const token = (await store.getBySerial(serial))!;
    return verifyTotp({
      secret: token.secret,
      code,
      nowSeconds: Date.now() / 1000,
      period: token.period,
      digits: token.digits as 6 | 8,
      algorithm: token.algorithm,
      state: { lastUsedStep: token.lastUsed, drift: token.drift },
    }).ok;
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-token-cli-'));
  const init = await assent(['init']);
  assert.equal(init.code, 0, init.stderr);
  const alice = await assent(['user', 'add', 'alice', '--generate-password']);
  assert.equal(alice.code, 0, alice.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

let totpSerial = '';
let totpSecret = '';

test('token add prints serial, otpauth URI and a terminal QR; oathtool codes verify against the stored seed', async () => {
  const png = join(dir, 'alice.png');
  const r = await assent(['token', 'add', '--user', 'alice', '--issuer', 'ACME VPN', '--png', png]);
  assert.equal(r.code, 0, r.stderr);
  totpSerial = /token (ASNT\d{8}) added for alice \(totp, SHA1, 6 digits, 30 s\)/.exec(r.stdout)?.[1] ?? '';
  assert.ok(totpSerial, r.stdout);
  const uri = /^otpauth:\/\/totp\/ACME%20VPN:alice\?\S+$/m.exec(r.stdout)?.[0] ?? '';
  assert.ok(uri, r.stdout);
  totpSecret = new URL(uri).searchParams.get('secret') ?? '';
  const decoded = decodeBase32(totpSecret);
  assert.ok(decoded.ok && decoded.bytes.length === 20, 'A6.6: a 160-bit seed');
  assert.match(r.stdout, /[▀▄█]/, 'a QR code drawn with block characters');
  assert.ok(await verifiesNow(totpSerial, oathtoolTotp(totpSecret)), 'the code oathtool prints verifies');
  const wrong = oathtoolTotp(totpSecret, ['-N', '+1 hour']);
  assert.equal(await verifiesNow(totpSerial, wrong), false, 'a code an hour away does not');
  // The PNG holds the secret too: a real PNG, owner-only.
  const bytes = readFileSync(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(statSync(png).mode & 0o777, 0o600);
});

test('token add writes an SVG, supports 8 digits and SHA256, and checks its options', async () => {
  const svg = join(dir, 'alice.svg');
  const r = await assent([
    'token',
    'add',
    '--user',
    'alice',
    '--digits',
    '8',
    '--algorithm',
    'SHA256',
    '--svg',
    svg,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(svg, 'utf8'), /^<svg /);
  const uri = /^otpauth:\S+$/m.exec(r.stdout)![0];
  const secret = new URL(uri).searchParams.get('secret')!;
  const serial = /token (\S+) added/.exec(r.stdout)![1]!;
  assert.ok(await verifiesNow(serial, oathtoolTotp(secret, ['--digits=8'], '--totp=sha256')));
  assert.equal((await assent(['token', 'add', '--user', 'alice', '--digits', '7'])).code, 2);
  assert.equal((await assent(['token', 'add', '--user', 'alice', '--algorithm', 'MD5'])).code, 2);
  assert.equal((await assent(['token', 'add', '--user', 'nobody'])).code, 1);
});

test('a HOTP token starts at counter 0: oathtool --hotp -c 0 verifies, and the URI says counter=0', async () => {
  const r = await assent(['token', 'add', '--user', 'alice', '--type', 'hotp']);
  assert.equal(r.code, 0, r.stderr);
  const serial = /token (\S+) added for alice \(hotp, SHA1, 6 digits\)/.exec(r.stdout)![1]!;
  const uri = new URL(/^otpauth:\/\/hotp\/\S+$/m.exec(r.stdout)![0]);
  assert.equal(uri.searchParams.get('counter'), '0');
  const secret = uri.searchParams.get('secret')!;
  const code = execFileSync('oathtool', ['--hotp', '-c', '0', '-b', secret], { encoding: 'utf8' }).trim();
  const result = await withTokenStore(async (store) => {
    const token = (await store.getBySerial(serial))!;
    return verifyHotp({
      secret: token.secret,
      code,
      digits: 6,
      algorithm: token.algorithm,
      state: { lastUsedCounter: token.lastUsed },
    });
  });
  assert.ok(result.ok);
});

test('backup codes are printed once and each works once', async () => {
  const r = await assent(['token', 'add', '--user', 'alice', '--type', 'backup', '--count', '5']);
  assert.equal(r.code, 0, r.stderr);
  const serial = /token (\S+) added/.exec(r.stdout)![1]!;
  const codes = [...r.stdout.matchAll(/^ {2}(\d{5}) (\d{5})$/gm)].map((m) => `${m[1]}${m[2]}`);
  assert.equal(codes.length, 5);
  await withTokenStore(async (store) => {
    const salt = (await store.getBySerial(serial))!.secret;
    assert.equal(await store.useBackupCode(serial, hashBackupCode(salt, codes[0]!), new Date()), true);
    assert.equal(await store.useBackupCode(serial, hashBackupCode(salt, codes[0]!), new Date()), false);
  });
  const list = await assent(['token', 'list', '--user', 'alice']);
  assert.match(list.stdout, new RegExp(`${serial}\\talice\\tbackup\\t4 unused`));
});

test('token list never shows a secret, in text or JSON', async () => {
  const text = await assent(['token', 'list']);
  const json = await assent(['token', 'list', '--user', 'alice', '--json']);
  for (const r of [text, json]) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(totpSerial));
    assert.ok(!r.stdout.includes(totpSecret), 'the base32 seed is not listed');
    assert.ok(!/secret/i.test(r.stdout));
  }
  const rows = json.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(rows.every((row) => row.user === 'alice' && !('secret' in row)));
});

test('token import adds CSV tokens whose codes verify; a bad base32 line is refused by number and nothing is imported', async () => {
  const good = join(dir, 'good.csv');
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  writeFileSync(
    good,
    `serial,user,secret,type,digits,period,algorithm\nHW0001,alice,${secret},totp,6,30,SHA1\n`,
  );
  const ok = await assent(['token', 'import', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /1 tokens imported/);
  assert.ok(await verifiesNow('HW0001', oathtoolTotp(secret)));

  const bad = join(dir, 'bad.csv');
  writeFileSync(
    bad,
    'serial,user,secret,type,digits,period,algorithm\n' +
      `HW0002,alice,${secret},totp,6,30,SHA1\n` +
      'HW0003,alice,NOT-BASE32!,totp,6,30,SHA1\n',
  );
  const refused = await assent(['token', 'import', bad]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /line 3: secret: not base32/);
  assert.ok(!refused.stderr.includes('NOT-BASE32'), 'the secret is not echoed');
  assert.equal(await withTokenStore((store) => store.getBySerial('HW0002')), undefined);
  const again = await assent(['token', 'import', good]);
  assert.equal(again.code, 1, 'an existing serial is refused');
  assert.match(again.stderr, /HW0001 already exists/);
});

test('token rename changes only the label; a bad label is a usage error (2), an unknown serial exit 1', async () => {
  const before = await withTokenStore((store) => store.getBySerial(totpSerial));
  const r = await assent(['token', 'rename', totpSerial, "  alice's old phone  "]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`token ${totpSerial} renamed to "alice's old phone"`));
  const after = await withTokenStore((store) => store.getBySerial(totpSerial));
  assert.deepEqual(after, { ...before, label: "alice's old phone" }, 'the seed and replay state stay');
  const listed = await assent(['token', 'list', '--user', 'alice', '--json']);
  assert.ok(listed.stdout.includes('"label":"alice\'s old phone"'), listed.stdout);
  const bad = await assent(['token', 'rename', totpSerial, 'a\nb']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /<label>: expected printable characters/);
  assert.equal((await assent(['token', 'rename', totpSerial, ' '])).code, 2);
  const unknown = await assent(['token', 'rename', 'ASNT99999999', 'x']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no token with serial "ASNT99999999"/);
  assert.ok(await verifiesNow(totpSerial, oathtoolTotp(totpSecret)), 'its codes still verify');
});

test('token remove deletes once, then reports no such token (exit 1)', async () => {
  const r = await assent(['token', 'remove', totpSerial]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await assent(['token', 'remove', totpSerial])).code, 1);
});

test('token help explains each command with examples', async () => {
  for (const sub of ['add', 'list', 'remove', 'rename', 'import']) {
    const r = await assent(['token', sub, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples?:/);
  }
});
