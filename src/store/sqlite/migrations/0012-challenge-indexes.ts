// Owns migration 12: the index of replaced States holds only the rows that have one.
import type { Migration } from '../migration.js';

/**
 * `challenge_sessions.previous_hash` is set only on a re-challenge (a wrong code with attempts left), and looked up
 * only for a State not found as current. Indexing it for every row made every opened login write one more index
 * entry for a NULL; the partial index holds the re-challenged rows alone. On PostgreSQL the same migration also
 * leaves room in each page (fillfactor 50) so a claim, a push mark or an end, which change no indexed column,
 * rewrites its row in place (a heap-only update) instead of adding an entry to every index; SQLite has no such
 * setting and keeps these tables empty anyway (migration 11).
 */
export const migration0012: Migration = {
  number: 12,
  name: 'challenge-indexes',
  up(db) {
    db.exec(`
      DROP INDEX challenge_sessions_previous;
      CREATE INDEX challenge_sessions_previous ON challenge_sessions (previous_hash)
        WHERE previous_hash IS NOT NULL;
    `);
  },
};
