// Migration 20 (PostgreSQL): the replay guard's first update of each freshly imported token stays on its page, so
// it is heap-only and writes no index entries (the morning after an import, when every user logs in for the first
// time). Checked on the rows themselves: a version that moved to another page could not have been heap-only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PgTokenStore } from '../../../src/store/postgres/pg-token-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import { freshPool, totp } from './pg-fixture.js';

const TOKENS = 3_000;

test("an imported token's first replay-guard update stays on its page (fillfactor 90, migration 20)", async (t) => {
  const pool = await freshPool();
  const options = await pool.query<{ reloptions: string[] | null }>(
    "SELECT reloptions FROM pg_class WHERE relname = 'tokens'",
  );
  assert.deepEqual(options.rows[0]?.reloptions, ['fillfactor=90']);
  const store = new PgTokenStore(pool, createSealer(randomBytes(32)));
  const serials = Array.from({ length: TOKENS }, (_, i) => `T${String(i).padStart(5, '0')}`);
  assert.equal(
    await store.addMany(serials.map((serial, i) => totp(serial, `user${i}`, randomBytes(20)))),
    TOKENS,
  );
  const pageOf = async () => {
    const { rows } = await pool.query<{ serial: string; page: number }>(
      'SELECT serial, (ctid::text::point)[0]::int AS page FROM tokens',
    );
    return new Map(rows.map((row) => [row.serial, row.page]));
  };
  const before = await pageOf();
  // One accepted code per token in an order unrelated to the import's, as a morning of first logins records them
  // (each turn's logins in one statement).
  const order = [...serials];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let i = 0; i < TOKENS; i += 25) {
    const batch = order.slice(i, i + 25).map((serial) => ({
      serial,
      success: { expectedLastUsed: -1, newLastUsed: 1_000, drift: 0 },
    }));
    assert.ok((await store.recordSuccesses(batch)).every(Boolean));
  }
  const after = await pageOf();
  const stayed = serials.filter((serial) => before.get(serial) === after.get(serial)).length;
  t.diagnostic(`${stayed} of ${TOKENS} updated rows stayed on their page`);
  // With full pages (fillfactor 100) the first update on each page moves: 2,781 and 2,791 of 3,000 stayed in two
  // runs of this test. With the room left, 2,999 and 3,000 did.
  assert.ok(stayed >= TOKENS * 0.98, `${stayed} of ${TOKENS} stayed on their page`);
});
