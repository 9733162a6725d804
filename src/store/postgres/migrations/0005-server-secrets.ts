// Owns migration 5 (PostgreSQL): the server's own secrets (push signing key, VAPID keys), sealed.
import type { PostgresMigration } from '../pg-migration.js';

/** As SQLite's migration 5, with the type mapping of pg-migration.ts (`name` is NOT NULL, a primary key). */
export const migration0005: PostgresMigration = {
  number: 5,
  name: 'server-secrets',
  async up(client) {
    await client.query(`
      CREATE TABLE server_secrets (
        name TEXT COLLATE "C" PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
        value_sealed TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL
      );
    `);
  },
};
