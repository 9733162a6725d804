// The authenticator-app secrets awaiting their first code on PostgreSQL (SECURITY A12.6): the conformance suite with
// each case's second node a pool of its own on the same database, and the secret sealed in the table (A9.1).
import { randomBytes } from 'node:crypto';
import { PgPendingTotpStore } from '../../../src/store/postgres/pg-pending-totp-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import { runPendingTotpStoreConformance } from '../pending-totp-store.conformance.js';
import { freshPool, otherPool } from './pg-fixture.js';

const sealer = createSealer(randomBytes(32));
runPendingTotpStoreConformance('postgres', async () => {
  const pool = await freshPool();
  const other = otherPool(pool);
  return {
    store: new PgPendingTotpStore(pool, sealer),
    second: new PgPendingTotpStore(other, sealer),
    table: async () => JSON.stringify((await pool.query('SELECT * FROM pending_totps')).rows),
  };
});
