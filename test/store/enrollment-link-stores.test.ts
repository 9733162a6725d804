// Runs the EnrollmentLinkStore conformance suite on the memory and SQLite adapters (PostgreSQL's:
// postgres/pg-enrollment-link-store), each SQLite case's second node a connection of its own to the same file.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { MemoryEnrollmentLinkStore } from '../../src/store/memory/memory-enrollment-link-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteEnrollmentLinkStore } from '../../src/store/sqlite/sqlite-enrollment-link-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runEnrollmentLinkStoreConformance } from './enrollment-link-store.conformance.js';

const sealer = createSealer(randomBytes(32));
const dump = (db: Database.Database) => () =>
  JSON.stringify(db.prepare('SELECT * FROM enrollment_links').all());

runEnrollmentLinkStoreConformance('memory', () => ({ store: new MemoryEnrollmentLinkStore() }));
runEnrollmentLinkStoreConformance('sqlite', () => {
  const file = join(scratchDir('assent-enrollment-links-'), 'a.db');
  const db = openSqlite(file);
  return {
    store: new SqliteEnrollmentLinkStore(db, sealer),
    second: new SqliteEnrollmentLinkStore(openSqlite(file), sealer),
    table: dump(db),
  };
});
