// The SignInStore conformance suite on every adapter: batched appends, newest-first pages, reports, pruning.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { NewSignIn, SignInStore } from '../../src/domain/sign-in.js';
import { MemorySignInStore } from '../../src/store/memory/memory-sign-in-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteSignInStore } from '../../src/store/sqlite/sqlite-sign-in-store.js';

const row = (userName: string, at: string, extra: Partial<NewSignIn> = {}): NewSignIn => ({
  userName,
  at,
  client: 'vpn-fw1',
  userIp: '203.0.113.9',
  result: 'accepted',
  how: 'totp',
  reason: '',
  txn: 'a'.repeat(32),
  ...extra,
});

function conformance(name: string, make: () => SignInStore): void {
  describe(`SignInStore conformance: ${name}`, () => {
    test('append keeps every field; get reads one by id; a new sign-in is not reported', () => {
      const store = make();
      store.append([
        row('alice', '2026-12-05T10:00:00.000Z', {
          result: 'rejected',
          how: '',
          reason: 'PUSH_DENIED',
          userIp: '',
          client: 'api-key',
          txn: 'b'.repeat(32),
        }),
      ]);
      const [first] = store.recent('alice', 10);
      assert.ok(first !== undefined);
      assert.deepEqual(store.get(first.id), first);
      assert.deepEqual(first, {
        id: first.id,
        userName: 'alice',
        at: '2026-12-05T10:00:00.000Z',
        client: 'api-key',
        userIp: '',
        result: 'rejected',
        how: '',
        reason: 'PUSH_DENIED',
        txn: 'b'.repeat(32),
        notMeAt: null,
      });
      assert.equal(store.get(first.id + 1000), undefined);
    });

    test('recent: the user’s own, newest first in the order recorded, at most `limit`', () => {
      const store = make();
      store.append([
        row('alice', '2026-12-05T10:00:01.000Z', { txn: 't1' }),
        row('bob', '2026-12-05T10:00:02.000Z', { txn: 'bob' }),
        row('alice', '2026-12-05T10:00:03.000Z', { txn: 't2' }),
      ]);
      store.append([row('alice', '2026-12-05T10:00:04.000Z', { txn: 't3' })]);
      store.append([row('carol', '2026-12-05T10:00:05.000Z', { txn: 'carol' })]);
      store.append([
        row('alice', '2026-12-05T10:00:06.000Z', { txn: 't4' }),
        row('alice', '2026-12-05T10:00:06.000Z', { txn: 't5' }),
      ]);
      assert.deepEqual(
        store.recent('alice', 10).map((s) => s.txn),
        ['t5', 't4', 't3', 't2', 't1'],
      );
      assert.deepEqual(
        store.recent('alice', 2).map((s) => s.txn),
        ['t5', 't4'],
      );
      assert.deepEqual(
        store.recent('bob', 10).map((s) => s.txn),
        ['bob'],
      );
      assert.deepEqual(store.recent('Alice', 10), [], 'names are case-sensitive');
      assert.deepEqual(store.recent('nobody', 10), []);
      const ids = store.recent('alice', 10).map((s) => s.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
        'ids grow with each append',
      );
    });

    test('olderThan continues exactly after a sign-in of the user; another user’s id or an unknown one is an empty page', () => {
      const store = make();
      store.append([
        row('alice', '2026-12-05T10:00:01.000Z', { txn: 'a' }),
        row('bob', '2026-12-05T10:00:01.000Z'),
      ]);
      store.append([row('alice', '2026-12-05T10:00:02.000Z', { txn: 'b' })]);
      store.append([
        row('alice', '2026-12-05T10:00:02.000Z', { txn: 'c' }),
        row('alice', '2026-12-05T10:00:03.000Z', { txn: 'd' }),
      ]);
      const first = store.recent('alice', 2);
      assert.deepEqual(
        first.map((s) => s.txn),
        ['d', 'c'],
      );
      const second = store.olderThan('alice', first[1]!.id, 2);
      assert.deepEqual(
        second.map((s) => s.txn),
        ['b', 'a'],
      );
      assert.deepEqual(store.olderThan('alice', second[1]!.id, 2), []);
      assert.deepEqual(store.olderThan('alice', store.recent('bob', 1)[0]!.id, 2), []);
      assert.deepEqual(store.olderThan('alice', 999_999, 2), []);
    });

    test('markNotMe marks once; an unknown id or a second mark is false', () => {
      const store = make();
      store.append([row('alice', '2026-12-05T10:00:00.000Z')]);
      const id = store.recent('alice', 1)[0]!.id;
      const when = new Date('2026-12-05T11:00:00.000Z');
      assert.equal(store.markNotMe(id, when), true);
      assert.equal(store.get(id)?.notMeAt, '2026-12-05T11:00:00.000Z');
      assert.equal(store.markNotMe(id, new Date('2026-12-05T12:00:00.000Z')), false);
      assert.equal(store.get(id)?.notMeAt, '2026-12-05T11:00:00.000Z', 'the first report stands');
      assert.equal(store.markNotMe(id + 1000, when), false);
    });

    test('pruneBefore deletes the oldest, of every user, up to the first not older; the rest read as before', () => {
      const store = make();
      store.append([
        row('alice', '2026-09-01T00:00:00.000Z', { txn: 'a-old' }),
        row('bob', '2026-09-06T23:59:59.999Z', { txn: 'b-old' }),
      ]);
      store.append([
        row('alice', '2026-09-07T00:00:00.000Z', { txn: 'a-kept' }),
        row('alice', '2026-12-05T10:00:00.000Z', { txn: 'a-new' }),
      ]);
      assert.equal(store.pruneBefore(new Date('2026-09-07T00:00:00.000Z')), 2);
      assert.deepEqual(
        store.recent('alice', 10).map((s) => s.txn),
        ['a-new', 'a-kept'],
      );
      assert.deepEqual(store.recent('bob', 10), []);
      assert.equal(store.pruneBefore(new Date('2026-09-07T00:00:00.000Z')), 0);
      store.append([row('bob', '2026-12-05T11:00:00.000Z', { txn: 'b-new' })]);
      assert.deepEqual(
        store.recent('bob', 10).map((s) => s.txn),
        ['b-new'],
        'a user pruned to nothing starts again',
      );
      assert.equal(store.pruneBefore(new Date('2027-01-01T00:00:00.000Z')), 3, 'everything older');
      assert.deepEqual(store.recent('alice', 10), []);
      store.append([row('alice', '2027-01-02T00:00:00.000Z', { txn: 'again' })]);
      assert.deepEqual(
        store.recent('alice', 10).map((s) => s.txn),
        ['again'],
      );
    });

    test('an empty append is allowed and writes nothing', () => {
      const store = make();
      store.append([]);
      assert.deepEqual(store.recent('alice', 10), []);
    });
  });
}

const tempDb = () => openSqlite(join(mkdtempSync(join(tmpdir(), 'assent-sign-ins-')), 'a.db'));

conformance('memory', () => new MemorySignInStore());
conformance('sqlite', () => new SqliteSignInStore(tempDb()));

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
  const file = join(mkdtempSync(join(tmpdir(), 'assent-sign-ins-')), 'a.db');
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
  const file = join(mkdtempSync(join(tmpdir(), 'assent-sign-ins-')), 'a.db');
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
