import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { createSealer, SealError, SealErrorCode } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteClientStore } from '../../src/store/sqlite/sqlite-client-store.js';
import { SqliteUserStore } from '../../src/store/sqlite/sqlite-user-store.js';
import { runClientStoreConformance } from './client-store.conformance.js';
import { runUserStoreConformance } from './user-store.conformance.js';

const dirs: string[] = [];
const open: Database.Database[] = [];
after(() => {
  for (const db of open) if (db.open) db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): { dir: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'assent-sqlite-'));
  dirs.push(dir);
  const db = openSqlite(join(dir, 'assent.db'));
  open.push(db);
  return { dir, db };
}

const sealer = createSealer(randomBytes(32));

runUserStoreConformance('sqlite', (clock) => new SqliteUserStore(tempDb().db, { now: clock.now }));
runClientStoreConformance(
  'sqlite',
  (clock) => new SqliteClientStore(tempDb().db, sealer, { now: clock.now }),
);

describe('SqliteClientStore at rest', () => {
  test('the database files never hold the clear secret; the column holds a v1 sealed value', () => {
    const { dir, db } = tempDb();
    const secret = 'Clear-Secret-Marker-7f3a9c';
    new SqliteClientStore(db, sealer).add({ name: 'fw1', address: '192.0.2.1', secret: Buffer.from(secret) });
    const column = db.prepare('SELECT secret_sealed FROM clients').pluck().get() as string;
    assert.match(column, /^v1\./);
    assert.ok(!column.includes(secret));
    db.pragma('wal_checkpoint(FULL)');
    for (const file of readdirSync(dir)) {
      assert.equal(readFileSync(join(dir, file)).includes(secret), false, `clear secret found in ${file}`);
    }
  });

  test('a sealed secret copied to another row does not open (docs/security.md A9.1)', () => {
    const { db } = tempDb();
    const store = new SqliteClientStore(db, sealer);
    store.add({ name: 'fw1', address: '192.0.2.1', secret: Buffer.from('secret-of-fw1-xxxx') });
    store.add({ name: 'fw2', address: '192.0.2.2', secret: Buffer.from('secret-of-fw2-yyyy') });
    db.prepare(
      "UPDATE clients SET secret_sealed = (SELECT secret_sealed FROM clients WHERE name = 'fw1') WHERE name = 'fw2'",
    ).run();
    const keyMismatch = (error: unknown) =>
      error instanceof StoreError &&
      error.code === StoreErrorCode.Unavailable &&
      error.cause instanceof SealError &&
      error.cause.code === SealErrorCode.KeyMismatch;
    assert.throws(() => store.getByName('fw2'), keyMismatch);
    assert.throws(() => store.list(), keyMismatch);
    assert.equal(Buffer.from(store.getByName('fw1')!.secret).toString(), 'secret-of-fw1-xxxx');
  });

  test('secrets sealed under one key do not open under another', () => {
    const { db } = tempDb();
    new SqliteClientStore(db, sealer).add({
      name: 'fw1',
      address: '192.0.2.1',
      secret: Buffer.from('s3cret-s3cret'),
    });
    const other = new SqliteClientStore(db, createSealer(randomBytes(32)));
    assert.throws(
      () => other.getByName('fw1'),
      (error: unknown) => error instanceof StoreError && /does not open/.test(error.message),
    );
  });
});

describe('SqliteUserStore', () => {
  test('getByName prepares nothing per call: the statement is prepared once, in the constructor', () => {
    const { db } = tempDb();
    const store = new SqliteUserStore(db);
    store.add({ name: 'alice', passwordHash: null });
    const original = db.prepare.bind(db);
    let prepared = 0;
    db.prepare = ((source: string) => {
      prepared++;
      return original(source);
    }) as typeof db.prepare;
    for (let i = 0; i < 3; i++) assert.equal(store.getByName('alice')?.name, 'alice');
    store.setStatus('alice', 'disabled');
    store.upsertMany([{ name: 'bob', passwordHash: null }]);
    assert.equal(prepared, 0);
  });

  test('a closed database surfaces as StoreError STORE_UNAVAILABLE with the cause kept', () => {
    const { db } = tempDb();
    const store = new SqliteUserStore(db);
    db.close();
    assert.throws(
      () => store.getByName('alice'),
      (error: unknown) =>
        error instanceof StoreError && error.code === StoreErrorCode.Unavailable && error.cause !== undefined,
    );
  });

  test('users survive closing and reopening the database', () => {
    const { dir, db } = tempDb();
    new SqliteUserStore(db).add({ name: 'alice', passwordHash: 'h', groups: ['vpn'] });
    db.close();
    const again = openSqlite(join(dir, 'assent.db'));
    open.push(again);
    assert.deepEqual(new SqliteUserStore(again).getByName('alice')?.groups, ['vpn']);
  });
});
