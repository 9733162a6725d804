// Runs the PortalSessionStore conformance suite on the memory and SQLite adapters (PostgreSQL's:
// postgres/pg-portal-session-store), each SQLite case's second node a connection of its own to the same file.
import { join } from 'node:path';
import { MemoryPortalSessionStore } from '../../src/store/memory/memory-portal-session-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePortalSessionStore } from '../../src/store/sqlite/sqlite-portal-session-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runPortalSessionStoreConformance } from './portal-session-store.conformance.js';

runPortalSessionStoreConformance('memory', () => ({ store: new MemoryPortalSessionStore() }));
runPortalSessionStoreConformance('sqlite', () => {
  const file = join(scratchDir('assent-portal-sessions-'), 'a.db');
  return {
    store: new SqlitePortalSessionStore(openSqlite(file)),
    second: new SqlitePortalSessionStore(openSqlite(file)),
  };
});
