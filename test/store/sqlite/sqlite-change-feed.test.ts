// The change log (migration 10) and its reader: every writer's change arrives once, own writes on drain(), slices,
// pruning, and a reader left behind by pruning told to reload everything.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type Database from 'better-sqlite3';
import type { Change } from '../../../src/domain/change-feed.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { SqliteChangeFeed } from '../../../src/store/sqlite/sqlite-change-feed.js';

const dirs: string[] = [];
const open: Database.Database[] = [];
after(() => {
  for (const db of open) if (db.open) db.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'assent-feed-'));
  dirs.push(dir);
  const path = join(dir, 'assent.db');
  const mine = openSqlite(path);
  const theirs = openSqlite(path);
  open.push(mine, theirs);
  const seen: Change[][] = [];
  let lost = 0;
  const feed = new SqliteChangeFeed(mine, { pollMs: 10, onError: (error) => assert.fail(String(error)) });
  feed.start({ changed: (changes) => seen.push([...changes]), lost: () => lost++ });
  return { mine, theirs, feed, seen, lost: () => lost };
}

const user = (db: Database.Database, name: string) =>
  db
    .prepare("INSERT INTO users (name, status, created_at, updated_at) VALUES (?, 'active', 'x', 'x')")
    .run(name);
const token = (db: Database.Database, serial: string, userName: string) =>
  db
    .prepare(
      "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES (?, ?, 'totp', 'v1.x.y', 'SHA1', 6, 'x')",
    )
    .run(serial, userName);

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("another connection's commit arrives at the next poll, each kind and key once per batch", async (t) => {
  const { theirs, feed, seen } = setup();
  t.after(() => feed.close());
  theirs.transaction(() => {
    user(theirs, 'alice');
    theirs.prepare("UPDATE users SET status = 'disabled' WHERE name = 'alice'").run();
    token(theirs, 'S1', 'alice');
    theirs.prepare("INSERT INTO account_lockouts (user_name, failures) VALUES ('bob', 1)").run();
    theirs
      .prepare(
        "INSERT INTO clients (name, address, secret_sealed, created_at) VALUES ('fw1', '10.0.0.1', 'v1.x.y', 'x')",
      )
      .run();
  })();
  await until(() => seen.length > 0);
  assert.deepEqual(
    seen.flat().map((c) => `${c.kind}:${c.key}`),
    ['user:alice', 'token:alice', 'lockout:bob', 'client:fw1'],
  );
  assert.ok(seen.flat().every((c, i, all) => i === 0 || c.seq > all[i - 1]!.seq));
});

test('own writes are read by drain() at once, and by the next poll when nobody drained', async (t) => {
  const { mine, feed, seen } = setup();
  t.after(() => feed.close());
  user(mine, 'carol');
  feed.drain();
  assert.deepEqual(
    seen.flat().map((c) => `${c.kind}:${c.key}`),
    ['user:carol'],
  );
  feed.drain();
  assert.equal(seen.length, 1, 'nothing is delivered twice');
  user(mine, 'dora');
  await until(() => seen.length === 2);
  assert.equal(seen[1]?.[0]?.key, 'dora');
});

test('the replay guard and device heartbeats leave no row; a rename names both users', () => {
  const { mine, feed, seen } = setup();
  token(mine, 'S1', 'alice');
  feed.drain();
  seen.length = 0;
  mine.prepare("UPDATE tokens SET last_used = 5, drift = 1 WHERE serial = 'S1'").run();
  feed.drain();
  assert.equal(seen.length, 0, 'last_used/drift only');
  mine.prepare("UPDATE tokens SET user_name = 'ali' WHERE serial = 'S1'").run();
  feed.drain();
  assert.deepEqual(
    seen.flat().map((c) => `${c.kind}:${c.key}`),
    ['token:ali', 'token:alice'],
  );
  feed.close();
});

test('a large write (an import) is delivered in slices, in order', () => {
  const { mine, feed, seen } = setup();
  mine.transaction(() => {
    for (let i = 0; i < 4500; i++) user(mine, `u${i}`);
  })();
  feed.drain();
  assert.deepEqual(
    seen.map((batch) => batch.length),
    [2000, 2000, 500],
  );
  assert.equal(seen.flat().at(-1)?.key, 'u4499');
  feed.close();
});

test('pruning deletes old rows; a reader that had not read them is told to reload everything', () => {
  const { mine, theirs, feed, seen, lost } = setup();
  const other = new SqliteChangeFeed(theirs, { pollMs: 1000, onError: () => {} });
  let otherLost = 0;
  other.start({ changed: () => {}, lost: () => otherLost++ });
  user(mine, 'dave');
  feed.drain();
  assert.equal(seen.length, 1);
  assert.equal(feed.prune(60_000, Date.now() + 120_000), 1);
  user(mine, 'erin');
  feed.drain();
  assert.equal(lost(), 0, 'this reader had read what was pruned');
  assert.equal(seen.flat().at(-1)?.key, 'erin');
  other.drain();
  assert.equal(otherLost, 1, 'the other reader had not');
  other.drain();
  assert.equal(otherLost, 1, 'and goes on from the end');
  feed.close();
  other.close();
});

test('the poll applies a large write in slices, all of it, in order', async (t) => {
  const { theirs, feed, seen } = setup();
  t.after(() => feed.close());
  theirs.transaction(() => {
    for (let i = 0; i < 4100; i++) user(theirs, `v${i}`);
  })();
  await until(() => seen.flat().length === 4100);
  assert.deepEqual(
    seen.map((batch) => batch.length),
    [2000, 2000, 100],
  );
});

test("catchUp() applies another connection's commit at once, before the next poll; nothing new costs no read", () => {
  const { mine, theirs, seen } = setup();
  // A feed that never polls on its own: only catchUp() can have read the commit.
  const feed = new SqliteChangeFeed(mine, {
    pollMs: 3_600_000,
    onError: (error) => assert.fail(String(error)),
  });
  feed.start({ changed: (changes) => seen.push([...changes]), lost: () => {} });
  try {
    seen.length = 0;
    assert.equal(feed.catchUp(), false, 'nothing committed since the start');
    user(theirs, 'dave');
    assert.equal(feed.catchUp(), true);
    assert.deepEqual(
      seen.flat().map((c) => `${c.kind}:${c.key}`),
      ['user:dave'],
    );
    assert.equal(feed.catchUp(), false, 'delivered once');
    user(mine, 'erin');
    assert.equal(feed.catchUp(), false, "its own connection's writes are drain()'s, not catchUp()'s");
  } finally {
    feed.close();
  }
});
