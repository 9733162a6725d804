// Owns migration 14: number-matching streaks (SECURITY A7.7) in the database instead of each node's memory.
import type { Migration } from '../migration.js';

/**
 * `push_streaks` counts, per user, the pushes denied or left unanswered since the user last approved one; from
 * two on, the next push needs number matching (SECURITY A7.7, domain/push-streaks.ts). A node's memory lost the
 * count at every restart, and on a PostgreSQL site each node counted only its own pushes, so a flood sent
 * through several nodes never reached two on any. A row exists only while the user has misses (`misses` ≥ 1): an
 * approval deletes it. Like `push_mutes` it is not in the change feed: every challenge reads it afresh.
 */
export const migration0014: Migration = {
  number: 14,
  name: 'push-streaks',
  up(db) {
    db.exec(`
      CREATE TABLE push_streaks (
        user_name TEXT PRIMARY KEY,
        misses INTEGER NOT NULL CHECK (misses >= 1)
      ) STRICT;
    `);
  },
};
