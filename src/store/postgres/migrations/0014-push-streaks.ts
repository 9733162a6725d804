// Owns migration 14 (PostgreSQL): number-matching streaks (SECURITY A7.7) every node shares.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same table as SQLite's migration 14: one row per user with misses (pushes denied or left unanswered since
 * the last approval), deleted by an approval. Shared, so pushes a flood sends through different nodes count
 * toward one streak; a logged table, so a crash of the database forgets no streak either.
 */
export const migration0014: PostgresMigration = {
  number: 14,
  name: 'push-streaks',
  async up(client) {
    await client.query(`
      CREATE TABLE push_streaks (
        user_name TEXT COLLATE "C" PRIMARY KEY,
        misses INTEGER NOT NULL CHECK (misses >= 1)
      );
    `);
  },
};
