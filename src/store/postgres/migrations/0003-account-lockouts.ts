// Owns migration 3 (PostgreSQL): the per-account failure counters and locks (docs/security.md A6.5).
import type { PostgresMigration } from '../pg-migration.js';

/** As SQLite's migration 3, with the type mapping of pg-migration.ts; nothing else differs. */
export const migration0003: PostgresMigration = {
  number: 3,
  name: 'account-lockouts',
  async up(client) {
    await client.query(`
      CREATE TABLE account_lockouts (
        user_name TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        locked_until TEXT COLLATE "C",
        locks INTEGER NOT NULL DEFAULT 0 CHECK (locks >= 0)
      );
    `);
  },
};
