// `assent user unlock` and `assent user lockouts` through the real CLI, checked against the SQLite stores.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AccountLockoutStore } from '../../src/domain/account-lockout.js';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { TokenStore } from '../../src/domain/token.js';
import { loadSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteAccountLockoutStore } from '../../src/store/sqlite/sqlite-account-lockout-store.js';
import { SqlitePushMutes } from '../../src/store/sqlite/sqlite-push-mutes.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { runCli } from '../support/run-cli.js';
import type { PeerResult } from '../support/run-peer.js';

let dir: string;
const serials: string[] = [];
const now = new Date();
const inAnHour = new Date(now.getTime() + 3_600_000).toISOString();
const inTwoHours = new Date(now.getTime() + 7_200_000).toISOString();
const anHourAgo = new Date(now.getTime() - 3_600_000).toISOString();

function assent(args: readonly string[]): Promise<PeerResult> {
  return runCli(dir, args);
}

/** Opens the stores the CLI writes, as a running server would. */
async function withStores<T>(
  work: (tokens: TokenStore, lockouts: AccountLockoutStore) => Awaitable<T>,
): Promise<T> {
  const db = openSqlite(join(dir, 'data', 'assent.db'));
  try {
    const sealer = loadSealer(join(dir, 'data', 'secret.key')).sealer;
    return await work(new SqliteTokenStore(db, sealer), new SqliteAccountLockoutStore(db));
  } finally {
    db.close();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-unlock-cli-'));
  assert.equal((await assent(['init'])).code, 0);
  for (const name of ['alice', 'bob']) {
    const r = await assent(['user', 'add', name, '--generate-password']);
    assert.equal(r.code, 0, r.stderr);
  }
  for (let i = 0; i < 2; i++) {
    const r = await assent(['token', 'add', '--user', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    serials.push(/token (ASNT\d{8}) added/.exec(r.stdout)?.[1] ?? '');
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('user unlock clears the account lock and every token of the user, and says what it cleared (A6.5)', async () => {
  const [s1, s2] = serials as [string, string];
  await withStores(async (tokens, lockouts) => {
    for (let i = 0; i < 10; i++) await lockouts.recordFailure('alice', now);
    await lockouts.lock('alice', inAnHour);
    await lockouts.recordFailure('alice', now);
    for (let i = 0; i < 10; i++) await tokens.recordFailure(s1, now);
    await tokens.setLockedUntil(s1, inTwoHours);
    await tokens.recordFailure(s2, now);
    await tokens.recordFailure(s2, now);
  });
  const listed = await assent(['user', 'lockouts']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, `alice\t1 failure\tlocked until ${inAnHour}\t1 lock\n`);

  const r = await assent(['user', 'unlock', 'alice']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `alice: account unlocked (was locked until ${inAnHour}, 1 failure, 1 lock); 2 tokens reset ` +
      `(${s1}: was locked until ${inTwoHours}, 10 failures; ${s2}: 2 failures)\n`,
  );
  await withStores(async (tokens, lockouts) => {
    assert.equal(await lockouts.get('alice'), undefined, 'failures, lock and lock count are forgotten');
    for (const token of await tokens.listForUser('alice')) {
      assert.deepEqual([token.failures, token.lockedUntil], [0, null], token.serial);
    }
  });
  assert.equal((await assent(['user', 'lockouts'])).stdout, '', 'nobody is listed any more');
});

test('a directory user without a local user record is unlocked by the name its tokens are held under', async () => {
  await withStores(async (tokens, lockouts) => {
    const secret = randomBytes(20);
    await tokens.add({
      serial: 'DIR0001',
      userName: 'dave',
      type: 'totp',
      secret,
      algorithm: 'SHA1',
      digits: 6,
    });
    for (let i = 0; i < 4; i++) await tokens.recordFailure('DIR0001', now);
    await lockouts.lock('dave', inAnHour);
  });
  const r = await assent(['user', 'unlock', 'dave']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `dave: account unlocked (was locked until ${inAnHour}, 0 failures, 1 lock); 1 token reset (DIR0001: 4 failures)\n`,
  );
  await withStores(async (tokens, lockouts) => {
    assert.equal(await lockouts.get('dave'), undefined);
    assert.equal((await tokens.getBySerial('DIR0001'))?.failures, 0);
  });
});

test('a name with no lockout, no token and no user exits 1 and creates nothing; names are case-sensitive', async () => {
  await withStores((_tokens, lockouts) => lockouts.recordFailure('alice', now));
  for (const name of ['nobody', 'Alice']) {
    const r = await assent(['user', 'unlock', name]);
    assert.equal(r.code, 1, name);
    assert.match(r.stderr, new RegExp(`nothing to unlock for "${name}": no user, token, account lockout`));
    assert.equal(r.stdout, '');
  }
  await withStores(async (_tokens, lockouts) => {
    assert.equal(await lockouts.get('nobody'), undefined);
    assert.equal((await lockouts.get('alice'))?.failures, 1, 'unlocking Alice left alice alone');
    await lockouts.reset('alice');
  });
});

test('user unlock lifts a "this wasn\'t me" push mute, also of a name with nothing else (A7.8)', async () => {
  const until = Date.now() + 20 * 60_000;
  const db = openSqlite(join(dir, 'data', 'assent.db'));
  try {
    new SqlitePushMutes(db).mute('erin', until);
  } finally {
    db.close();
  }
  const r = await assent(['user', 'unlock', 'erin']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'erin: account was not locked; no tokens; push mute lifted\n');
  const again = await assent(['user', 'unlock', 'erin']);
  assert.equal(again.code, 1, 'the mute is gone, and erin has nothing else');
  assert.match(again.stderr, /nothing to unlock for "erin": no user, token, account lockout or push mute/);
});

test('a local user with nothing to clear is not an error', async () => {
  const r = await assent(['user', 'unlock', 'bob']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'bob: account was not locked; no tokens\n');
});

test('user lockouts lists failing and locked accounts by name; an expired lock is shown as such', async () => {
  await withStores(async (_tokens, lockouts) => {
    await lockouts.recordFailure('zoe', now);
    await lockouts.lock('carol', anHourAgo);
    await lockouts.recordFailure('carol', now);
    await lockouts.lock('bob', inAnHour);
    await lockouts.lock('bob', inTwoHours);
  });
  const text = await assent(['user', 'lockouts']);
  assert.equal(text.code, 0, text.stderr);
  assert.deepEqual(text.stdout.trimEnd().split('\n'), [
    `bob\t0 failures\tlocked until ${inTwoHours}\t2 locks`,
    `carol\t1 failure\tlock expired ${anHourAgo}\t1 lock`,
    'zoe\t1 failure\t-\t0 locks',
  ]);
  const json = await assent(['user', 'lockouts', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const rows = json.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  assert.deepEqual(rows, [
    { name: 'bob', failures: 0, lockedUntil: inTwoHours, locked: true, locks: 2 },
    { name: 'carol', failures: 1, lockedUntil: anHourAgo, locked: false, locks: 1 },
    { name: 'zoe', failures: 1, lockedUntil: null, locked: false, locks: 0 },
  ]);
});

test('user unlock --help explains locks and shows examples', async () => {
  const r = await assent(['user', 'unlock', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: assent user unlock \[options\] <name>/);
  assert.match(r.stdout, /directory \(LDAP\) users/);
  assert.match(r.stdout, /lifts a push mute/);
  assert.match(r.stdout, /Examples:\n\s+assent user unlock alice/);
});
