// Runs the ApiTransactionStore conformance suite on the memory and SQLite adapters (PostgreSQL's:
// postgres/pg-api-transaction-store.test.ts), plus what only SQLite shows: records and keys outlive a reopen.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryApiTransactionStore } from '../../src/store/memory/memory-api-transaction-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteApiTransactionStore } from '../../src/store/sqlite/sqlite-api-transaction-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { pendingPush, runApiTransactionStoreConformance } from './api-transaction-store.conformance.js';

runApiTransactionStoreConformance('memory', () => {
  const store = new MemoryApiTransactionStore();
  return { a: store, b: store };
});
runApiTransactionStoreConformance('sqlite', () => {
  const store = new SqliteApiTransactionStore(openSqlite(join(scratchDir('assent-api-txn-'), 'a.db')));
  return { a: store, b: store };
});

test('sqlite: a record, its end and an idempotency answer outlive a restart of the server', () => {
  const file = join(scratchDir('assent-api-txn-'), 'a.db');
  const first = openSqlite(file);
  const before = new SqliteApiTransactionStore(first);
  before.add(pendingPush('a'.repeat(32)));
  before.end('a'.repeat(32), 'approved', null, 1_800_000_001_000);
  before.claim('portal', 'k-1', 'h1', 1_800_000_000_000);
  before.remember('portal', 'k-1', { status: 202, payload: '{}', headers: {} }, 1_800_000_000_000);
  first.close();
  const after = new SqliteApiTransactionStore(openSqlite(file));
  assert.equal(after.get('a'.repeat(32))?.status, 'approved');
  assert.equal(after.claim('portal', 'k-1', 'h1', 1_800_000_000_001).kind, 'answered');
});
