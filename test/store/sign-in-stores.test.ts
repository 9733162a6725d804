// Runs the SignInStore conformance suite on every adapter, plus what only SQLite has: its chains and heads table.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemorySignInStore } from '../../src/store/memory/memory-sign-in-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteSignInStore } from '../../src/store/sqlite/sqlite-sign-in-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { signInRow as row, runSignInStoreConformance } from './sign-in-store.conformance.js';

const tempDb = () => openSqlite(join(scratchDir('assent-sign-ins-'), 'a.db'));

runSignInStoreConformance('memory', () => new MemorySignInStore());
runSignInStoreConformance('sqlite', () => new SqliteSignInStore(tempDb()));

test('sqlite: a write appends to the table and touches one small row per user: no index as large as the table', () => {
  const db = tempDb();
  new SqliteSignInStore(db);
  const indexes = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sign_ins'")
    .pluck()
    .all();
  assert.deepEqual(indexes, []);
  const plan = (
    db.prepare('EXPLAIN QUERY PLAN SELECT * FROM sign_ins WHERE id = 5').all() as { detail: string }[]
  )
    .map((r) => r.detail)
    .join('; ');
  assert.match(plan, /USING INTEGER PRIMARY KEY/, 'a chain step is a lookup by id');
});

test('sqlite: another connection appending between two batches does not break either chain', () => {
  const file = join(scratchDir('assent-sign-ins-'), 'a.db');
  const a = new SqliteSignInStore(openSqlite(file));
  const b = new SqliteSignInStore(openSqlite(file));
  a.append([row('alice', '2026-12-05T10:00:01.000Z', { txn: 'a1' })]);
  b.append([row('alice', '2026-12-05T10:00:02.000Z', { txn: 'b1' })]);
  a.append([row('alice', '2026-12-05T10:00:03.000Z', { txn: 'a2' })]);
  assert.deepEqual(
    b.recent('alice', 10).map((s) => s.txn),
    ['a2', 'b1', 'a1'],
  );
});

test('sqlite: big batches (16-row statements and a remainder, past a heads update) keep every chain; a restart continues them', () => {
  const file = join(scratchDir('assent-sign-ins-'), 'a.db');
  const writer = new SqliteSignInStore(openSqlite(file));
  const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      row(users[(from + i) % users.length]!, '2026-12-05T10:00:00.000Z', { txn: String(from + i) }),
    );
  writer.append(batch(0, 13_001));
  writer.append(batch(13_001, 9_000)); // past 20,000 rows: the heads table is brought up to date
  writer.append(batch(22_001, 37));
  // Another reader (the CLI) sees rows whether or not the heads table has caught up with them yet.
  const reader = new SqliteSignInStore(openSqlite(file));
  const expected = (user: string, n: number) => {
    const out: string[] = [];
    for (let i = 22_037; i >= 0 && out.length < n; i--)
      if (users[i % users.length] === user) out.push(String(i));
    return out;
  };
  for (const user of users) {
    assert.deepEqual(
      reader.recent(user, 25).map((s) => s.txn),
      expected(user, 25),
      user,
    );
  }
  const page = reader.recent('u3', 10);
  assert.deepEqual(
    reader.olderThan('u3', page[9]!.id, 3).map((s) => s.txn),
    expected('u3', 13).slice(10),
  );
  // A restart: a new writer folds what the old one had not written into the heads, and chains on from there.
  const restarted = new SqliteSignInStore(openSqlite(file));
  restarted.append([row('u3', '2026-12-05T11:00:00.000Z', { txn: 'after' })]);
  assert.deepEqual(
    reader.recent('u3', 3).map((s) => s.txn),
    ['after', ...expected('u3', 2)],
  );
});

test('sqlite: ids are never given again, also after a prune of every row', () => {
  const store = new SqliteSignInStore(tempDb());
  store.append([row('alice', '2026-01-01T00:00:00.000Z'), row('bob', '2026-01-01T00:00:00.000Z')]);
  const last = store.recent('bob', 1)[0]!.id;
  assert.equal(store.pruneBefore(new Date('2027-01-01T00:00:00.000Z')), 2);
  store.append([row('carol', '2027-01-02T00:00:00.000Z')]);
  assert.ok(store.recent('carol', 1)[0]!.id > last);
  assert.equal(store.get(last), undefined);
});
