// Owns the port of number-matching streaks (SECURITY A7.7): a user's pushes denied or left unanswered in a row.
import type { Awaitable } from './awaitable.js';

/**
 * One counter per user in the database (`push_streaks`, migration 14), not in a node's memory: pushes a flood
 * sends through several nodes of a PostgreSQL site meet one counter, and the count outlives a restart on SQLite
 * too. Not derived from `push_transactions`: those rows are deleted minutes after they end (and live in memory on
 * SQLite), while the rule holds until the user approves a push. A user's pushes are one at a time (one pending
 * push per user, A7.7), so outcomes arrive in the order the pushes were made; the increment is one atomic step, so
 * misses noted by two nodes at once both count.
 */
export interface PushStreaks {
  /** Pushes to the user denied or left unanswered since the user last approved one (0: none). */
  misses(userName: string): Awaitable<number>;
  /** One more push to the user was denied or left unanswered. */
  missed(userName: string): Awaitable<void>;
  /** The user approved a push: the streak ends. */
  approved(userName: string): Awaitable<void>;
}
