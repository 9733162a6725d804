// Issue 18 enrollment at login on SQLite across a restart (migration 19): a link, the TOTP key chosen on its page
// and the hourly issue bounds are rows of the file, so the process that opens it next serves the link and stores
// the key's token on its first code, once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import { createEnrollAtLogin, type EnrollAtLogin } from '../../src/auth/enroll-at-login.js';
import { EnrollmentCodes } from '../../src/auth/enrollment-codes.js';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateTotp } from '../../src/otp/totp.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteEnrollmentLinkStore } from '../../src/store/sqlite/sqlite-enrollment-link-store.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { scratchDir } from '../support/scratch-dir.js';

const sealer = createSealer(randomBytes(32));
const quiet = { sent() {}, limited() {}, refused() {}, opened() {}, chosen() {}, totpEnrolled() {} };

/** One process's enrollment at login on the file; `close` is its end. */
function start(file: string): { use: EnrollAtLogin; tokens: SqliteTokenStore; db: Database.Database } {
  const db = openSqlite(file);
  const tokens = new SqliteTokenStore(db, sealer);
  const use = createEnrollAtLogin({
    codes: new EnrollmentCodes(new SqliteEnrollmentLinkStore(db, sealer), 600_000),
    devices: new MemoryPushDeviceStore(),
    tokens,
    settings: { publicUrl: 'https://assent.test', issuer: 'Assent', totpWindow: 1 },
    events: quiet,
  });
  return { use, tokens, db };
}

test('a link and its chosen TOTP key outlive a restart: the next process serves it and stores the token once', async () => {
  const file = join(scratchDir('assent-enroll-restart-'), 'a.db');
  const now = Date.now();
  const before = start(file);
  const issued = await before.use.issue('dora', 'txn-dora', '198.51.100.7', 'nas', now);
  assert.ok('url' in issued);
  const code = /\/e\/(\w+)$/.exec(issued.url)![1]!;
  const offer = await before.use.chooseTotp(code, '198.51.100.9', now);
  assert.ok(offer);
  before.db.close();

  const after = start(file);
  assert.equal(
    (await after.use.open(code, '198.51.100.9', now + 1))?.userName,
    'dora',
    'the link is still open',
  );
  assert.equal(await after.use.pendingTotp('dora', 'txn-dora', now + 1), true, 'its key is still pending');
  const key = decodeBase32(offer.secret);
  assert.ok(key.ok);
  const first = generateTotp(key.bytes, now / 1000, { digits: 6, period: 30, algorithm: 'SHA1' });
  const proved = await after.use.firstTotpCode('dora', 'txn-dora', first, now + 1, 'nas');
  assert.equal(proved?.ok, true, JSON.stringify(proved));
  assert.equal(await after.use.firstTotpCode('dora', 'txn-dora', first, now + 2, 'nas'), undefined, 'spent');
  assert.deepEqual(
    after.tokens.listForUser('dora').map((t) => t.type),
    ['totp'],
  );
  after.db.close();
});

test('the hourly bound outlives a restart: the sixth link of the hour is refused by the next process', async () => {
  const file = join(scratchDir('assent-enroll-restart-'), 'a.db');
  const now = Date.now();
  const before = start(file);
  for (let i = 0; i < 5; i++) assert.ok('url' in (await before.use.issue('ezra', `t${i}`, '', 'nas', now)));
  before.db.close();
  const after = start(file);
  assert.deepEqual(await after.use.issue('ezra', 't5', '', 'nas', now + 1), {
    refused: 'ENROLLMENT_LIMITED',
  });
  after.db.close();
});
