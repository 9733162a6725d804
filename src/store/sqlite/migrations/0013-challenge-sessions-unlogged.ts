// Owns migration 13: challenge sessions need not survive a crash of the database (a no-op on SQLite).
import type { Migration } from '../migration.js';

/**
 * The same number and meaning as PostgreSQL's migration 13, which makes `challenge_sessions` an UNLOGGED table:
 * its rows (logins between their password and their code, seconds long) need not survive a crash of the
 * database, and not writing them to the write-ahead log makes every login cheaper. A SQLite server keeps its
 * challenge sessions in its own memory (migration 11: the table stays empty), which a crash loses already, so
 * there is nothing to change here; the number keeps both databases' schema versions equal.
 */
export const migration0013: Migration = {
  number: 13,
  name: 'challenge-sessions-unlogged',
  up() {},
};
