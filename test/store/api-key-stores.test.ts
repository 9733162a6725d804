// Runs the ApiKeyStore conformance suite on every adapter, plus what only SQLite has: the schema's own checks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { MemoryApiKeyStore } from '../../src/store/memory/memory-api-key-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteApiKeyStore } from '../../src/store/sqlite/sqlite-api-key-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runApiKeyStoreConformance } from './api-key-store.conformance.js';

const tempDb = () => {
  const dir = scratchDir('assent-api-keys-');
  return { dir, db: openSqlite(join(dir, 'assent.db')) };
};

runApiKeyStoreConformance('memory', (now) => new MemoryApiKeyStore({ now }));
runApiKeyStoreConformance('sqlite', (now) => new SqliteApiKeyStore(tempDb().db, { now }));

test('sqlite: the table refuses rows the code never writes (bad id, name, scopes or hash)', () => {
  const { db } = tempDb();
  const insert = db.prepare(
    "INSERT INTO api_keys (id, name, scopes, key_hash, created_at) VALUES (?, ?, ?, ?, 'x')",
  );
  const hash = Buffer.alloc(32);
  insert.run('0123456789abcdef', 'ok.name_-1', '["push"]', hash);
  for (const [id, name, scopes, keyHash] of [
    ['0123456789ABCDEF', 'a', '["push"]', hash],
    ['0123456789abcde', 'b', '["push"]', hash],
    ['1111111111111111', 'has space', '["push"]', hash],
    ['2222222222222222', 'x'.repeat(65), '["push"]', hash],
    ['3333333333333333', '', '["push"]', hash],
    ['4444444444444444', 'c', '[]', hash],
    ['5555555555555555', 'd', '"push"', hash],
    ['6666666666666666', 'e', '["push"]', Buffer.alloc(31)],
  ] as const) {
    assert.throws(() => insert.run(id, name, scopes, keyHash), /CHECK constraint failed/, `${id} ${name}`);
  }
});

test('sqlite: only the SHA-256 of a key reaches the file, never the key or its secret part', async () => {
  const { dir, db } = tempDb();
  const { key } = await issueApiKey(
    new SqliteApiKeyStore(db),
    { name: 'portal', scopes: ['push'], expiresAt: null },
    new Date(),
  );
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const secret = key.slice('ask_0123456789abcdef_'.length);
  for (const file of readdirSync(dir)) {
    assert.equal(readFileSync(join(dir, file)).includes(secret), false, `the key's secret is in ${file}`);
  }
});
