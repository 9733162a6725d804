// The links of enrollment at login on PostgreSQL (issue 18, SECURITY A11.4): the conformance suite with each case's
// second node a pool of its own on the same database, and the chosen TOTP key sealed in the table (A9.1).
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { PgEnrollmentLinkStore } from '../../../src/store/postgres/pg-enrollment-link-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import { runEnrollmentLinkStoreConformance } from '../enrollment-link-store.conformance.js';
import { freshPool } from './pg-fixture.js';

const sealer = createSealer(randomBytes(32));
const others: pg.Pool[] = [];
after(async () => {
  for (const other of others) await other.end().catch(() => {});
});
runEnrollmentLinkStoreConformance('postgres', async () => {
  const pool = await freshPool();
  const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 2 });
  other.on('error', () => {});
  others.push(other);
  return {
    store: new PgEnrollmentLinkStore(pool, sealer),
    second: new PgEnrollmentLinkStore(other, sealer),
    table: async () => JSON.stringify((await pool.query('SELECT * FROM enrollment_links')).rows),
  };
});
