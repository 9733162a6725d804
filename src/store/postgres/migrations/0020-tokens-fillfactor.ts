// Owns migration 20 (PostgreSQL): room on each page of `tokens` for the replay guard's updates.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * Every accepted code updates its token's row (`last_used`, `drift`: the replay guard, A6.4). PostgreSQL writes a
 * new version of the row, and when that version fits on the same page and no indexed column changed, the update is
 * heap-only: no new entry in any of the table's indexes. Rows written by an import fill their pages, so the first
 * update of each token after an import (the morning after moving a site to Assent: every user's first login) finds
 * no room and goes to another page with an entry in every index; later ones find the room that pruning frees.
 * Leaving a tenth of each page free keeps more of those first updates heap-only, for 10 % more space: 56 % of a
 * benchmark's token updates instead of 44 %, and all but one of 3,000 in pg-tokens-fillfactor.test.ts instead of
 * 93 % (docs/performance.md).
 *
 * It applies to pages written from now on: tokens already stored keep their full pages until a table rewrite
 * (`VACUUM FULL tokens`, which locks the table) or the updates themselves spread them out.
 */
export const migration0020: PostgresMigration = {
  number: 20,
  name: 'tokens-fillfactor',
  async up(client) {
    await client.query('ALTER TABLE tokens SET (fillfactor = 90)');
  },
};
