// Owns migration 6: the REST API's keys (issue 14), stored as hashes only.
import type { Migration } from '../migration.js';

/**
 * `id` is the key's visible prefix (`ask_<id>_…`): 16 lowercase hex characters, so a presented key names its row.
 * `name` is the HTTP Basic user name (RFC 7617), BINARY collation like user names: `Portal` is not `portal`.
 * `scopes` is a JSON array of scope names (checked against the list in code; a CHECK cannot hold a subquery).
 *
 * `key_hash` is the SHA-256 of the whole key text, in clear, not sealed under the key file (SECURITY A9.1 seals
 * secrets that must be read back): the key carries 256 random bits, so its hash can neither be reversed nor
 * searched offline, and a reader of the file cannot turn it into a key that works. A slow password hash would buy
 * nothing against that much entropy and would cost every API call; sealing would only add a decryption per call.
 */
export const migration0006: Migration = {
  number: 6,
  name: 'api-keys',
  up(db) {
    db.exec(`
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY CHECK (length(id) = 16 AND id NOT GLOB '*[^0-9a-f]*'),
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9._-]*'),
        scopes TEXT NOT NULL CHECK (
          json_valid(scopes) AND json_type(scopes) = 'array' AND json_array_length(scopes) BETWEEN 1 AND 4
        ),
        key_hash BLOB NOT NULL CHECK (length(key_hash) = 32),
        created_at TEXT NOT NULL,
        expires_at TEXT,
        last_used_at TEXT
      ) STRICT;
    `);
  },
};
