// Runs the ServerSecretStore conformance suite on every adapter, plus what only SQLite has: sealing, two openers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryServerSecretStore } from '../../src/store/memory/memory-server-secret-store.js';
import { createSealer, SealError } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteServerSecretStore } from '../../src/store/sqlite/sqlite-server-secret-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runServerSecretStoreConformance } from './server-secret-store.conformance.js';

const sealer = createSealer(new Uint8Array(randomBytes(32)));
const tempPath = () => join(scratchDir('assent-server-secrets-'), 'assent.db');

runServerSecretStoreConformance('memory', () => new MemoryServerSecretStore());
runServerSecretStoreConformance('sqlite', () => new SqliteServerSecretStore(openSqlite(tempPath()), sealer));

test('sqlite: two processes on one database share the first secret made; it is sealed at rest', () => {
  const path = tempPath();
  const one = openSqlite(path);
  const two = openSqlite(path);
  const secret = new Uint8Array(randomBytes(32));
  const a = new SqliteServerSecretStore(one, sealer).getOrCreate('k', () => secret);
  const b = new SqliteServerSecretStore(two, sealer).getOrCreate('k', () => new Uint8Array(32));
  assert.deepEqual(b, a);
  one.pragma('wal_checkpoint(TRUNCATE)');
  one.close();
  two.close();
  assert.equal(readFileSync(path).indexOf(Buffer.from(secret)), -1, 'the secret is not in the file in clear');
});

test('sqlite: under another key file the secret does not open (SealError, the server is not ready)', () => {
  const path = tempPath();
  new SqliteServerSecretStore(openSqlite(path), sealer).getOrCreate('k', () => new Uint8Array([1]));
  const other = createSealer(new Uint8Array(randomBytes(32)));
  assert.throws(
    () => new SqliteServerSecretStore(openSqlite(path), other).getOrCreate('k', () => new Uint8Array([2])),
    SealError,
  );
});
