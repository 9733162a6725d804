// Owns migration 6 (PostgreSQL): the REST API's keys (issue 14), stored as hashes only.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * As SQLite's migration 6, with the type mapping of pg-migration.ts. The GLOBs are anchored regular
 * expressions (`^[0-9a-f]{16}$` holds both of SQLite's conditions on `id`). `scopes` is tested for an array
 * before its length is taken, in a CASE: PostgreSQL does not promise to evaluate AND left to right, and
 * `json_array_length` of a non-array raises an error instead of failing the CHECK.
 */
export const migration0006: PostgresMigration = {
  number: 6,
  name: 'api-keys',
  async up(client) {
    await client.query(`
      CREATE TABLE api_keys (
        id TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
        name TEXT COLLATE "C" NOT NULL UNIQUE
          CHECK (length(name) BETWEEN 1 AND 64 AND name ~ '^[A-Za-z0-9._-]*$'),
        scopes TEXT COLLATE "C" NOT NULL CHECK (
          CASE WHEN json_typeof(scopes::json) = 'array' THEN json_array_length(scopes::json) BETWEEN 1 AND 4
          ELSE false END
        ),
        key_hash BYTEA NOT NULL CHECK (octet_length(key_hash) = 32),
        created_at TEXT COLLATE "C" NOT NULL,
        expires_at TEXT COLLATE "C",
        last_used_at TEXT COLLATE "C"
      );
    `);
  },
};
