// The token-holder index: who holds a second factor and with which code lengths, found under any spelling of the
// name that differs only in case, spaces or width (issue 12), kept current one user at a time (the change feed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import type { Awaitable } from '../../../src/domain/awaitable.js';
import { AMBIGUOUS_NAME } from '../../../src/domain/name-key.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { sqliteHolderQueries } from '../../../src/store/sqlite/sqlite-holder-queries.js';
import { TokenHolders } from '../../../src/store/token-holders.js';

/** SQLite answers the index's reads at once: nothing here may be left pending. */
function atOnce(result: Awaitable<void>): void {
  assert.ok(!(result instanceof Promise), 'a SQLite read answered with a promise');
}

/** Loaded from the database, as a lazy server's index is. */
function loaded(d: Database.Database): TokenHolders {
  const holders = new TokenHolders(sqliteHolderQueries(d));
  atOnce(holders.refresh());
  return holders;
}

function db() {
  return openSqlite(':memory:', { integrityCheck: false });
}
const addToken = (d: ReturnType<typeof db>, serial: string, user: string, digits = 6, type = 'totp') =>
  d
    .prepare(
      "INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, created_at) VALUES (?, ?, ?, 'v1.x.y', 'SHA1', ?, 'x')",
    )
    .run(serial, user, type, digits);

test('spellings: a name finds its own tokens, or the one other spelling; two spellings are ambiguous', () => {
  const d = db();
  addToken(d, 'S1', 'Lara');
  addToken(d, 'S2', 'omar');
  const holders = loaded(d);
  assert.equal(holders.holderOf('Lara'), 'Lara');
  assert.equal(holders.holderOf('lara'), 'Lara');
  assert.equal(holders.holderOf('LARA'), 'Lara');
  assert.equal(holders.holderOf('OMAR'), 'omar');
  assert.equal(holders.holderOf('omar'), 'omar');
  assert.equal(holders.holderOf('nobody'), undefined);
  addToken(d, 'S3', 'lara');
  atOnce(holders.refreshUser('lara'));
  assert.equal(holders.holderOf('LARA'), AMBIGUOUS_NAME);
  assert.equal(holders.holderOf('lara'), 'lara', 'an exact spelling is never ambiguous');
  d.prepare("DELETE FROM tokens WHERE user_name = 'Lara'").run();
  atOnce(holders.refreshUser('Lara'));
  assert.equal(holders.holderOf('LARA'), 'lara');
  d.prepare("DELETE FROM tokens WHERE user_name = 'lara'").run();
  atOnce(holders.refreshUser('lara'));
  assert.equal(holders.holderOf('LARA'), undefined);
});

test('refresh from the database and from loaded tokens give the same answers; lengths are shared arrays', () => {
  const d = db();
  addToken(d, 'S1', 'ann', 8);
  addToken(d, 'S2', 'ann', 6);
  addToken(d, 'S3', 'ann', 6, 'backup');
  addToken(d, 'S4', 'Ben', 6);
  addToken(d, 'S5', 'cleo', 6);
  d.prepare(
    "INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, created_at) VALUES ('ASNP00000001', 'dana', zeroblob(65), 'v1.x.y', 'x')",
  ).run();
  const fromDb = loaded(d);
  const fromTokens = new TokenHolders(sqliteHolderQueries(d));
  atOnce(
    fromTokens.refresh([
      { userName: 'ann', type: 'totp', digits: 8 },
      { userName: 'ann', type: 'totp', digits: 6 },
      { userName: 'ann', type: 'backup', digits: 6 },
      { userName: 'Ben', type: 'totp', digits: 6 },
      { userName: 'cleo', type: 'totp', digits: 6 },
    ]),
  );
  for (const holders of [fromDb, fromTokens]) {
    assert.deepEqual(holders.codeLengthsOf('ann'), [8, 6, 10]);
    assert.equal(holders.holderOf('ben'), 'Ben');
    assert.equal(holders.codeLengthsOf('Ben'), holders.codeLengthsOf('cleo'), 'one shared [6]');
    assert.equal(holders.hasPush('dana'), true);
    assert.equal(holders.has('dana'), true);
    assert.deepEqual(holders.codeLengthsOf('dana'), []);
  }
  d.prepare("DELETE FROM push_devices WHERE user_name = 'dana'").run();
  atOnce(fromTokens.refreshUser('dana'));
  assert.equal(fromTokens.has('dana'), false);
  assert.equal(fromTokens.hasPush('dana'), false);
});
