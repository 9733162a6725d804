// Owns migration 7 (PostgreSQL): sign-ins used on a grace period by users without a second factor (issue 18).
import type { PostgresMigration } from '../pg-migration.js';

/** As SQLite's migration 7, with the type mapping of pg-migration.ts (the primary key is NOT NULL). */
export const migration0007: PostgresMigration = {
  number: 7,
  name: 'grace-logins',
  async up(client) {
    await client.query(`
      CREATE TABLE grace_logins (
        user_name TEXT COLLATE "C" PRIMARY KEY CHECK (length(user_name) BETWEEN 1 AND 253),
        used INTEGER NOT NULL CHECK (used >= 0),
        updated_at TEXT COLLATE "C" NOT NULL
      );
    `);
  },
};
