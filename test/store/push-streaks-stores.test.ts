// Runs the PushStreaks conformance suite on the memory and SQLite adapters (PostgreSQL's: postgres/pg-push-streaks),
// plus what only SQLite shows: a streak outlives a restart (a new connection reads what the old one wrote).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PushLimits } from '../../src/auth/push-limits.js';
import { MemoryPushStreaks } from '../../src/store/memory/memory-push-streaks.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePushStreaks } from '../../src/store/sqlite/sqlite-push-streaks.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runPushStreaksConformance } from './push-streaks.conformance.js';

runPushStreaksConformance('memory', () => ({ streaks: new MemoryPushStreaks() }));
runPushStreaksConformance('sqlite', () => {
  const file = join(scratchDir('assent-streaks-'), 'a.db');
  return {
    streaks: new SqlitePushStreaks(openSqlite(file)),
    second: new SqlitePushStreaks(openSqlite(file)),
  };
});

test('sqlite: two misses before a restart still make the next push need a number, synchronously', () => {
  const file = join(scratchDir('assent-streaks-'), 'a.db');
  const settings = { maxPerUser: 3, rateWindowSeconds: 300, muteMinutes: 20 };
  const before = openSqlite(file);
  const limits = new PushLimits(settings, { streaks: new SqlitePushStreaks(before) });
  void limits.noteOutcome('alice', false);
  void limits.noteOutcome('alice', false);
  before.close();
  const after = new PushLimits(settings, { streaks: new SqlitePushStreaks(openSqlite(file)) });
  assert.equal(
    after.numberRequired('alice'),
    true,
    'a value, not a promise: the login path stays synchronous',
  );
  void after.noteOutcome('alice', true);
  assert.equal(after.numberRequired('alice'), false);
});
