// Runs the PendingTotpStore conformance suite on the memory and SQLite adapters (PostgreSQL's:
// postgres/pg-pending-totp-store), each SQLite case's second node a connection of its own to the same file.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { MemoryPendingTotpStore } from '../../src/store/memory/memory-pending-totp-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePendingTotpStore } from '../../src/store/sqlite/sqlite-pending-totp-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runPendingTotpStoreConformance } from './pending-totp-store.conformance.js';

const sealer = createSealer(randomBytes(32));
const dump = (db: Database.Database) => () => JSON.stringify(db.prepare('SELECT * FROM pending_totps').all());

runPendingTotpStoreConformance('memory', () => ({ store: new MemoryPendingTotpStore() }));
runPendingTotpStoreConformance('sqlite', () => {
  const file = join(scratchDir('assent-pending-totps-'), 'a.db');
  const db = openSqlite(file);
  return {
    store: new SqlitePendingTotpStore(db, sealer),
    second: new SqlitePendingTotpStore(openSqlite(file), sealer),
    table: dump(db),
  };
});
