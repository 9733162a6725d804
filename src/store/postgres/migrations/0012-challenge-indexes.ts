// Owns migration 12 (PostgreSQL): the index of replaced States holds only the rows that have one; room for
// in-place updates of challenge sessions.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same partial index as SQLite's migration 12 (`previous_hash` is set only on a re-challenge, so indexing it
 * for every row wrote an index entry for a NULL per opened login). Added: `fillfactor = 50` on
 * `challenge_sessions`. A claim, a push mark and an end change no indexed column; with free space left in the
 * row's page PostgreSQL rewrites the row in place (a heap-only tuple) instead of adding an entry to each of the
 * table's four indexes. The table holds only the logins of the last few minutes, so the space costs little.
 */
export const migration0012: PostgresMigration = {
  number: 12,
  name: 'challenge-indexes',
  async up(client) {
    await client.query(`
      DROP INDEX challenge_sessions_previous;
      CREATE INDEX challenge_sessions_previous ON challenge_sessions (previous_hash)
        WHERE previous_hash IS NOT NULL;
      ALTER TABLE challenge_sessions SET (fillfactor = 50);
    `);
  },
};
