// Owns the GraceLoginStore port: how many sign-ins a user without a second factor has made on a grace period, and
import type { Awaitable } from './awaitable.js';
// a user's own grace period where an administrator set one.

/**
 * Issue 18 "per user or group": a grace period an administrator gave one user (`assent user grace`). It replaces the
 * global and group ones for that user, so one user can get longer (a traveller) or none at all (`until` empty and
 * `logins` 0).
 */
export interface OwnGrace {
  /** `YYYY-MM-DD` (UTC, checked by the caller) or '' for no date. */
  readonly until: string;
  /** Grace sign-ins allowed; 0: none. */
  readonly logins: number;
}

/**
 * Issue 18 `secondFactor.graceLogins`: each Access-Accept given to a user who has not enrolled yet uses one. One
 * count per user name (as the first factor names them); value or promise like the other stores.
 */
export interface GraceLoginStore {
  /** Grace sign-ins used so far; 0 for a name never counted. */
  used(userName: string): Awaitable<number>;
  /** Counts one more and returns the new count (atomic: two nodes counting at once both count). */
  recordUse(userName: string, at: Date): Awaitable<number>;
  /** Forgets the count (`assent user grace-reset`): the user gets the whole allowance again. */
  reset(userName: string): Awaitable<boolean>;
  /** The user's own grace period, or undefined when the global and group ones apply. */
  ownGrace(userName: string): Awaitable<OwnGrace | undefined>;
  /** Sets (or with undefined removes) the user's own grace period; false when removing one that was not set. */
  setOwnGrace(userName: string, grace: OwnGrace | undefined, at: Date): Awaitable<boolean>;
}
