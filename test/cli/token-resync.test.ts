// `assent token resync` through the real CLI, with codes from the real oathtool at a shifted clock or counter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { Token, TokenStore } from '../../src/domain/token.js';
import { verifyHotp } from '../../src/otp/verify-hotp.js';
import { verifyTotp } from '../../src/otp/verify-totp.js';
import { loadSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { runCli } from '../support/run-cli.js';
import type { PeerResult } from '../support/run-peer.js';

const RESYNC_FAILED = 'codes do not match two consecutive codes within the resync window';
let dir: string;
const added: Record<'totp' | 'hotp' | 'backup', { serial: string; secret: string }> = {
  totp: { serial: '', secret: '' },
  hotp: { serial: '', secret: '' },
  backup: { serial: '', secret: '' },
};

function assent(args: readonly string[]): Promise<PeerResult> {
  return runCli(dir, args);
}

async function withTokenStore<T>(work: (store: TokenStore) => Awaitable<T>): Promise<T> {
  const db = openSqlite(join(dir, 'data', 'assent.db'));
  try {
    return await work(new SqliteTokenStore(db, loadSealer(join(dir, 'data', 'secret.key')).sealer));
  } finally {
    db.close();
  }
}

async function stored(serial: string): Promise<Token> {
  return (await withTokenStore((store) => store.getBySerial(serial)))!;
}

/** oathtool's code (an independent RFC 6238 implementation) at a Unix time, given as ISO text. */
function oathtoolTotpAt(base32: string, unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return execFileSync('oathtool', ['--totp', '-b', base32, '--now', iso], { encoding: 'utf8' }).trim();
}

/** oathtool's HOTP codes for `counter` and the one after it. */
function oathtoolHotpPair(base32: string, counter: number): [string, string] {
  const out = execFileSync('oathtool', ['--hotp', '-b', base32, '-c', String(counter), '-w', '1'], {
    encoding: 'utf8',
  });
  const [a, b] = out.trim().split('\n');
  return [a!, b!];
}

/** Whether the server's check (default window ±1 step) accepts a TOTP code now with the stored state. */
async function totpVerifiesNow(serial: string, code: string): Promise<boolean> {
  const t = await stored(serial);
  return verifyTotp({
    secret: t.secret,
    code,
    nowSeconds: Date.now() / 1000,
    period: t.period,
    digits: 6,
    algorithm: t.algorithm,
    state: { lastUsedStep: t.lastUsed, drift: t.drift },
  }).ok;
}

const step = (unixSeconds: number) => Math.floor(unixSeconds / 30);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-resync-cli-'));
  assert.equal((await assent(['init'])).code, 0);
  assert.equal((await assent(['user', 'add', 'alice', '--generate-password'])).code, 0);
  for (const type of ['totp', 'hotp', 'backup'] as const) {
    const r = await assent(['token', 'add', '--user', 'alice', '--type', type]);
    assert.equal(r.code, 0, r.stderr);
    added[type] = {
      serial: /token (ASNT\d{8}) added/.exec(r.stdout)?.[1] ?? '',
      secret: /[?&]secret=([A-Z2-7]+)/.exec(r.stdout)?.[1] ?? '',
    };
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a TOTP clock 5 minutes fast: refused before, resync learns the drift, its next code then verifies', async () => {
  const { serial, secret } = added.totp;
  const ahead = Math.floor(Date.now() / 1000) + 300;
  const code1 = oathtoolTotpAt(secret, ahead);
  const code2 = oathtoolTotpAt(secret, ahead + 30);
  assert.equal(await totpVerifiesNow(serial, code1), false, 'beyond the ±1 step window before resync');
  await withTokenStore(async (store) => {
    for (let i = 0; i < 3; i++) await store.recordFailure(serial, new Date());
    await store.setLockedUntil(serial, new Date(Date.now() + 3_600_000).toISOString());
  });

  const before = step(Date.now() / 1000);
  const r = await assent(['token', 'resync', serial, code1, code2]);
  const afterwards = step(Date.now() / 1000);
  assert.equal(r.code, 0, r.stderr);

  const token = await stored(serial);
  assert.equal(token.lastUsed, step(ahead) + 1, 'both codes count as used: lastUsed is the step of code2');
  const drifts = [token.lastUsed - afterwards, token.lastUsed - before];
  assert.ok(token.drift >= drifts[0]! && token.drift <= drifts[1]!, `drift ${token.drift} in ${drifts}`);
  assert.ok(token.drift >= 10 && token.drift <= 11);
  assert.equal(
    r.stdout,
    `token ${serial} resynchronised: clock drift ${token.drift} steps (${token.drift * 30} s ahead); ` +
      'failures and lock cleared\n',
  );
  assert.deepEqual([token.failures, token.lockedUntil], [0, null], 'failures and lock cleared');
  assert.equal(
    await totpVerifiesNow(serial, oathtoolTotpAt(secret, ahead + 60)),
    true,
    'the next code of the fast clock',
  );
});

test('the same TOTP codes a second time are refused as used (A6.4) and change nothing', async () => {
  const { serial, secret } = added.totp;
  const before = await stored(serial);
  const first = (before.lastUsed - 1) * 30;
  const r = await assent([
    'token',
    'resync',
    serial,
    oathtoolTotpAt(secret, first),
    oathtoolTotpAt(secret, first + 30),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${RESYNC_FAILED} \\(they were already used`));
  assert.deepEqual(await stored(serial), before);
});

test('two TOTP codes that are not consecutive are refused with exit 1 and change nothing', async () => {
  const { serial, secret } = added.totp;
  const before = await stored(serial);
  const later = Math.floor(Date.now() / 1000) + 420;
  const r = await assent([
    'token',
    'resync',
    serial,
    oathtoolTotpAt(secret, later),
    oathtoolTotpAt(secret, later + 90),
  ]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `assent: ${RESYNC_FAILED}\n`);
  assert.deepEqual(await stored(serial), before);
});

test('an HOTP token pressed to counter 40: resync moves the counter to 41 and the code of 42 verifies', async () => {
  const { serial, secret } = added.hotp;
  const [code40, code41] = oathtoolHotpPair(secret, 40);
  const check = async (code: string) => {
    const t = await stored(serial);
    const state = { lastUsedCounter: t.lastUsed };
    return verifyHotp({ secret: t.secret, code, digits: 6, algorithm: t.algorithm, lookAhead: 3, state });
  };
  assert.equal((await check(code40)).ok, false, 'beyond the look-ahead before resync');
  await withTokenStore((store) => store.recordFailure(serial, new Date()));

  const r = await assent(['token', 'resync', serial, code40, code41]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `token ${serial} resynchronised: counter 41 used, next code is counter 42; failures and lock cleared\n`,
  );
  const token = await stored(serial);
  assert.deepEqual([token.lastUsed, token.failures, token.drift], [41, 0, 0]);
  assert.equal((await check(oathtoolHotpPair(secret, 42)[0])).ok, true);
  assert.equal((await check(code41)).ok, false, 'code2 itself is used up');
});

test('HOTP resync searches --window counters after the last used one (default 100)', async () => {
  const { serial, secret } = added.hotp;
  const [a, b] = oathtoolHotpPair(secret, 150);
  const refused = await assent(['token', 'resync', serial, a, b]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(RESYNC_FAILED));
  assert.equal((await stored(serial)).lastUsed, 41);
  const accepted = await assent(['token', 'resync', serial, a, b, '--window', '200']);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal((await stored(serial)).lastUsed, 151);
  const bad = await assent(['token', 'resync', serial, a, b, '--window', '1001']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--window 1001: expected 1–1000/);
});

test('backup tokens, unknown serials and codes of the wrong length are refused clearly', async () => {
  const backup = await assent(['token', 'resync', added.backup.serial, '123456', '654321']);
  assert.equal(backup.code, 1);
  assert.match(backup.stderr, /holds backup codes: they have no counter or clock to resynchronise/);
  const unknown = await assent(['token', 'resync', 'NOPE0001', '123456', '654321']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no token with serial "NOPE0001"/);
  const short = await assent(['token', 'resync', added.totp.serial, '12345', '654321']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /have 6 digits/);
});

test('help: resync shows oathtool examples; token add describes the challenge, not SECOND_FACTOR_UNAVAILABLE', async () => {
  const resync = await assent(['token', 'resync', '--help']);
  assert.equal(resync.code, 0);
  assert.match(resync.stdout, /oathtool --totp -b SECRET -N '\+5 minutes' -w 1/);
  assert.match(resync.stdout, /oathtool --hotp -b SECRET -c 40 -w 1/);
  const add = await assent(['token', 'add', '--help']);
  assert.doesNotMatch(add.stdout, /SECOND_FACTOR_UNAVAILABLE/);
  assert.match(add.stdout, /Access-Challenge for the code/);
});
