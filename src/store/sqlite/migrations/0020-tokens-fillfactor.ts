// Owns migration 20: room on each page of `tokens` for the replay guard's updates (a no-op on SQLite).
import type { Migration } from '../migration.js';

/**
 * The same number and meaning as PostgreSQL's migration 20, which leaves a tenth of each page of `tokens` free so
 * the replay guard's update of a freshly imported token stays on its page (a heap-only update, no index entries).
 * SQLite updates a row in place in its B-tree and keeps the guard's marks in its journal between batched writes,
 * so there is nothing to change here; the number keeps both databases' schema versions equal.
 */
export const migration0020: Migration = {
  number: 20,
  name: 'tokens-fillfactor',
  up() {},
};
