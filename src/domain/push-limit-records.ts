// Owns the port behind push limits shared by several nodes: recent pushes and "this wasn't me" mutes (A7.7, A7.8).
import type { Awaitable } from './awaitable.js';

/** What the limits need to know about a user's and an address's recent pushes, from every node. */
export interface RecentPushes {
  /** Pushes created for the user since the window's start. */
  readonly perUser: number;
  /** Pushes created for logins from the address since the window's start (0 for an empty address). */
  readonly perSource: number;
  /** Epoch ms the user's mute ends; 0 when not muted. */
  readonly mutedUntil: number;
}

/**
 * The records push limits read when several nodes share a database: the push transactions themselves (each node
 * creates its pushes there) and the mutes. One node keeps both in memory and needs none (auth/push-limits.ts).
 */
export interface PushLimitRecords {
  recent(userName: string, source: string, since: number): Awaitable<RecentPushes>;
  /** Mutes the user until `until` (epoch ms); a later mute never shortens an earlier one. */
  mute(userName: string, until: number): Awaitable<void>;
}
