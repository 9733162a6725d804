// Runs the PushStreaks conformance suite on the memory and SQLite adapters (PostgreSQL's: postgres/pg-push-streaks),
// each case's second node another connection to the same file.
import { join } from 'node:path';
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
