// Migration 15 on SQLite: a token add's holder read (the one-spelling rule) uses its indexes instead of reading
// every holder. Which names it reads is the token store conformance suite's; this pins how it finds them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { HOLDERS_OF_KEYS } from '../../../src/store/sqlite/sqlite-token-store.js';
import { scratchDir } from '../../support/scratch-dir.js';

const dir = scratchDir('assent-holder-keys-');

test('the holder read of a token add searches its two indexes and scans no table', () => {
  const db = openSqlite(join(dir, 'assent.db'));
  try {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${HOLDERS_OF_KEYS}`).all('["nora"]') as { detail: string }[])
      .map((row) => row.detail)
      .join('\n');
    assert.match(plan, /SEARCH tokens USING INDEX tokens_user_name_lower/);
    // The partial index holds only names that are not plain, so reading all of it is reading only those.
    assert.match(plan, /tokens_user_name_not_plain/);
    assert.doesNotMatch(plan, /SCAN tokens(?! USING COVERING INDEX tokens_user_name_not_plain)/);
  } finally {
    db.close();
  }
});
