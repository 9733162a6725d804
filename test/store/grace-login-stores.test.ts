// Runs the GraceLoginStore conformance suite on every adapter, plus what only SQLite has: two connections.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryGraceLoginStore } from '../../src/store/memory/memory-grace-login-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteGraceLoginStore } from '../../src/store/sqlite/sqlite-grace-login-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runGraceLoginStoreConformance } from './grace-login-store.conformance.js';

runGraceLoginStoreConformance('memory', () => new MemoryGraceLoginStore());
runGraceLoginStoreConformance(
  'sqlite',
  () => new SqliteGraceLoginStore(openSqlite(join(scratchDir('assent-grace-'), 'a.db'))),
);

test('sqlite: two connections counting at once both count (one statement per use)', () => {
  const file = join(scratchDir('assent-grace-'), 'a.db');
  const a = new SqliteGraceLoginStore(openSqlite(file));
  const b = new SqliteGraceLoginStore(openSqlite(file));
  const at = new Date();
  for (let i = 0; i < 10; i++) {
    a.recordUse('carol', at);
    b.recordUse('carol', at);
  }
  assert.equal(a.used('carol'), 20);
});
