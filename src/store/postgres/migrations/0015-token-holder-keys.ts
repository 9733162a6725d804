// Owns migration 15 (PostgreSQL): indexes that find the holders of a name key without reading every token.
import { PLAIN_NAME_CHARS } from '../../../domain/name-key.js';
import type { PostgresMigration } from '../pg-migration.js';

/**
 * Every token add checks the one-spelling rule (issue 12) against the holders whose name shares a key with the
 * batch (HOLDERS_OF_KEYS in pg-token-statements.ts): plain names by their byte-wise lower case, every other name
 * always. Without these two indexes that read scanned the whole table, about 100 ms per add at 300,000 tokens,
 * for a single enrollment too; with them it reads the few rows it needs. The partial index holds only the names
 * that are not plain (spaces, other scripts, full width), which are rare. The predicates must be written exactly as
 * the query writes them, or the planner cannot use the indexes.
 */
export const migration0015: PostgresMigration = {
  number: 15,
  name: 'token-holder-keys',
  async up(client) {
    await client.query(`
      CREATE INDEX tokens_user_name_lower ON tokens (lower(user_name COLLATE "C"));
      CREATE INDEX tokens_user_name_not_plain ON tokens (user_name) WHERE user_name ~ '[^${PLAIN_NAME_CHARS}]';
    `);
  },
};
