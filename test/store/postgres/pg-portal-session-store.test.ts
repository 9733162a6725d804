import { PgPortalSessionStore } from '../../../src/store/postgres/pg-portal-session-store.js';
import { runPortalSessionStoreConformance } from '../portal-session-store.conformance.js';
import { freshPool, otherPool } from './pg-fixture.js';

runPortalSessionStoreConformance('postgres', async () => {
  const pool = await freshPool();
  const other = otherPool(pool);
  return { store: new PgPortalSessionStore(pool), second: new PgPortalSessionStore(other) };
});
