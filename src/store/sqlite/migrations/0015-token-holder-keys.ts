// Owns migration 15: indexes that find the holders of a name key without reading every token.
import { PLAIN_NAME_CHARS } from '../../../domain/name-key.js';
import type { Migration } from '../migration.js';

/**
 * Every token add checks the one-spelling rule (issue 12) against the holders whose name shares a key with the
 * batch (sqlite-token-store.ts): plain names by their lower case (SQLite's built-in `lower()` folds ASCII only,
 * which is exactly a plain name's key), every other name always. Before, each add read every distinct holder and
 * keyed each in JavaScript on the server's thread, a stall that grew with the table; with these indexes it reads
 * the few rows it needs. The partial index holds only the names that are not plain, which are rare. The
 * predicates must be written exactly as the query writes them, or the planner cannot use the indexes.
 */
export const migration0015: Migration = {
  number: 15,
  name: 'token-holder-keys',
  up(db) {
    db.exec(`
      CREATE INDEX tokens_user_name_lower ON tokens (lower(user_name));
      CREATE INDEX tokens_user_name_not_plain ON tokens (user_name) WHERE user_name GLOB '*[^${PLAIN_NAME_CHARS}]*';
    `);
  },
};
