// Owns migration 1 (PostgreSQL): the users and clients (NAS) tables.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * As SQLite's migration 1, with the type mapping of pg-migration.ts. `groups` stays JSON text (see there):
 * the CHECK casts it to json to test for an array, as SQLite's `json_valid`/`json_type` do.
 */
export const migration0001: PostgresMigration = {
  number: 1,
  name: 'users-and-clients',
  async up(client) {
    await client.query(`
      CREATE TABLE users (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL UNIQUE,
        status TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'disabled')),
        password_hash TEXT COLLATE "C",
        groups TEXT COLLATE "C" NOT NULL DEFAULT '[]' CHECK (json_typeof(groups::json) = 'array'),
        created_at TEXT COLLATE "C" NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL
      );

      CREATE TABLE clients (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL UNIQUE,
        address TEXT COLLATE "C" NOT NULL UNIQUE,
        secret_sealed TEXT COLLATE "C" NOT NULL,
        require_message_authenticator INTEGER NOT NULL DEFAULT 1
          CHECK (require_message_authenticator IN (0, 1)),
        limit_proxy_state INTEGER NOT NULL DEFAULT 1 CHECK (limit_proxy_state IN (0, 1)),
        nas_timeout INTEGER NOT NULL DEFAULT 60 CHECK (nas_timeout > 0),
        created_at TEXT COLLATE "C" NOT NULL
      );
    `);
  },
};
