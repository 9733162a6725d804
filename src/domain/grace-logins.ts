// Owns the GraceLoginStore port: how many sign-ins a user without a second factor has made on a grace period.

/**
 * Issue 18 `secondFactor.graceLogins`: each Access-Accept given to a user who has not enrolled yet uses one. One
 * count per user name (as the first factor names them); synchronous like the other embedded stores.
 */
export interface GraceLoginStore {
  /** Grace sign-ins used so far; 0 for a name never counted. */
  used(userName: string): number;
  /** Counts one more and returns the new count (atomic: two nodes counting at once both count). */
  recordUse(userName: string, at: Date): number;
  /** Forgets the count (`assent user grace-reset`): the user gets the whole allowance again. */
  reset(userName: string): boolean;
}
