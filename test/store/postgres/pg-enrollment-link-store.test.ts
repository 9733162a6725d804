// The links of enrollment at login on PostgreSQL (issue 18, SECURITY A11.4): the conformance suite with each case's
// second node a pool of its own on the same database, and the chosen TOTP key sealed in the table (A9.1).
import { randomBytes } from 'node:crypto';
import { PgEnrollmentLinkStore } from '../../../src/store/postgres/pg-enrollment-link-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import { runEnrollmentLinkStoreConformance } from '../enrollment-link-store.conformance.js';
import { freshPool, otherPool } from './pg-fixture.js';

const sealer = createSealer(randomBytes(32));
runEnrollmentLinkStoreConformance('postgres', async () => {
  const pool = await freshPool();
  const other = otherPool(pool);
  return {
    store: new PgEnrollmentLinkStore(pool, sealer),
    second: new PgEnrollmentLinkStore(other, sealer),
    table: async () => JSON.stringify((await pool.query('SELECT * FROM enrollment_links')).rows),
  };
});
