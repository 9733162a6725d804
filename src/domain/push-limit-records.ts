// Owns the port behind push limits shared by several nodes: recent pushes and "this wasn't me" mutes (A7.7, A7.8).
import type { Awaitable } from './awaitable.js';
import type { PushMutes } from './push-mutes.js';

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
 * creates its pushes there) and the mutes, read with the counts in one round trip. One node counts in memory and
 * reads only the mutes (auth/push-limits.ts).
 */
export interface PushLimitRecords extends PushMutes {
  recent(userName: string, source: string, since: number): Awaitable<RecentPushes>;
}
