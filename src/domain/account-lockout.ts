// Owns the per-account failure counter and lock (docs/security.md A6.5) and its store port.
import type { Awaitable } from './awaitable.js';

/** An account's consecutive failures and lock, keyed by canonical user name (local or directory users). */
export interface AccountLockout {
  readonly userName: string;
  /** Consecutive failures since the last success or unlock. */
  readonly failures: number;
  /** ISO time until which every login of the account is refused, or null. */
  readonly lockedUntil: string | null;
  /** How many times the account has been locked since the last success or unlock (the lock time grows with it). */
  readonly locks: number;
}

/**
 * Account lockouts. Value or promise like the other stores (`UserStore`); throws `StoreError` for broken infrastructure. Rows exist
 * only for accounts that failed, so unknown names typed by an attacker never create rows (callers only record
 * failures of names that exist).
 */
export interface AccountLockoutStore {
  get(userName: string): Awaitable<AccountLockout | undefined>;
  /** One more consecutive failure; returns the new count. Atomic (a single UPDATE/INSERT). */
  recordFailure(userName: string, now: Date): Awaitable<number>;
  /** Locks until `lockedUntil` (ISO) and increments `locks`; failures are reset to 0. */
  lock(userName: string, lockedUntil: string): Awaitable<void>;
  /** After a success or an admin unlock: forget failures, lock and lock count. Returns false when no row. */
  reset(userName: string): Awaitable<boolean>;
  /** Every account with failures or a lock (admin listing). */
  list(): Awaitable<AccountLockout[]>;
}
