// The portal's "add an authenticator app" use case on a real SQLite file (SECURITY A12.6): the secret waits in the
// database, so a QR code shown before a restart is confirmed after it, once; the HTTP side and two nodes are in
// test/http/portal/portal-devices and portal-nodes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { PendingTotps } from '../../src/admin/pending-totps.js';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateTotp } from '../../src/otp/totp.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePendingTotpStore } from '../../src/store/sqlite/sqlite-pending-totp-store.js';
import { SqlitePushDeviceStore } from '../../src/store/sqlite/sqlite-push-device-store.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite-token-store.js';
import { scratchDir } from '../support/scratch-dir.js';

const sealer = createSealer(randomBytes(32));

test('sqlite: an authenticator app shown before a restart is confirmed after it, once (A12.6)', async () => {
  const file = join(scratchDir('assent-pending-totps-'), 'a.db');
  const now = Date.now();
  const before = openSqlite(file);
  const started = await new PendingTotps(new SqlitePendingTotpStore(before, sealer)).start(
    'alice',
    'Phone',
    'Assent',
    now,
  );
  before.close();
  const db = openSqlite(file);
  const after = new PendingTotps(new SqlitePendingTotpStore(db, sealer));
  const stores = {
    tokens: new SqliteTokenStore(db, sealer),
    pushDevices: new SqlitePushDeviceStore(db, sealer),
  };
  const secret = decodeBase32(started.secret);
  assert.ok(secret.ok);
  const code = generateTotp(secret.bytes, Math.floor(now / 1000), {
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  const confirmed = await after.confirm(stores, 'alice', started.pendingId, code, now + 1_000, 1);
  assert.equal(confirmed.ok, true, JSON.stringify(confirmed));
  assert.equal(stores.tokens.listForUser('alice').length, 1);
  const again = await after.confirm(stores, 'alice', started.pendingId, code, now + 2_000, 1);
  assert.deepEqual(again, { ok: false, why: 'not_found' });
});
