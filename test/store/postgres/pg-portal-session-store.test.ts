// The portal's sessions on PostgreSQL (SECURITY A12.2): the conformance suite with each case's second node a pool
// of its own on the same database.
import { after } from 'node:test';
import pg from 'pg';
import { PgPortalSessionStore } from '../../../src/store/postgres/pg-portal-session-store.js';
import { runPortalSessionStoreConformance } from '../portal-session-store.conformance.js';
import { freshPool } from './pg-fixture.js';

const others: pg.Pool[] = [];
after(async () => {
  for (const other of others) await other.end().catch(() => {});
});
runPortalSessionStoreConformance('postgres', async () => {
  const pool = await freshPool();
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 2 });
  other.on('error', () => {});
  others.push(other);
  return { store: new PgPortalSessionStore(pool), second: new PgPortalSessionStore(other) };
});
