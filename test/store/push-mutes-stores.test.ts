// Runs the PushMutes conformance suite on the memory and SQLite adapters (PostgreSQL's: postgres/pg-push-limit-records),
// plus what only SQLite shows: a mute written by one connection is read by another (the CLI and a running server).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryPushMutes } from '../../src/store/memory/memory-push-mutes.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePushMutes } from '../../src/store/sqlite/sqlite-push-mutes.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runPushMutesConformance } from './push-mutes.conformance.js';

runPushMutesConformance('memory', () => new MemoryPushMutes());
runPushMutesConformance(
  'sqlite',
  () => new SqlitePushMutes(openSqlite(join(scratchDir('assent-mutes-'), 'a.db'))),
);

test('sqlite: a mute one connection writes, another reads; a lift by the other ends it for the first', () => {
  const file = join(scratchDir('assent-mutes-'), 'a.db');
  const server = new SqlitePushMutes(openSqlite(file));
  const cli = new SqlitePushMutes(openSqlite(file));
  server.mute('alice', 1_800_000_600_000);
  assert.equal(cli.until('alice'), 1_800_000_600_000);
  assert.equal(cli.lift('alice', 1_800_000_000_000), true);
  assert.equal(server.until('alice'), 0);
});
