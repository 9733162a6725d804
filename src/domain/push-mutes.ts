// Owns the port of "this wasn't me" mutes (SECURITY A7.8) kept in the database, on one node as on several.
import type { Awaitable } from './awaitable.js';

/**
 * Mutes live in the database (`push_mutes`, migration 11) rather than in a node's memory alone: they outlive a
 * restart, every node of a PostgreSQL site reads the same ones, and an operator can lift one (`assent user unlock`,
 * `POST /api/v2/users/{name}/unlock`) from another process. One row per user; an ended mute is a row in the past.
 */
export interface PushMutes {
  /** Epoch ms the user's mute ends; 0 when the user was never muted or the mute was lifted. */
  until(userName: string): Awaitable<number>;
  /** Mutes the user until `until` (epoch ms); a later mute never shortens an earlier one. */
  mute(userName: string, until: number): Awaitable<void>;
  /** Ends the user's mute now. True when a mute was still running at `now`. */
  lift(userName: string, now: number): Awaitable<boolean>;
}
