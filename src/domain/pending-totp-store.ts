// Owns the port of authenticator-app secrets waiting for their first code (the portal's "add an authenticator
// app", SECURITY A12.6): rows every node shares.
import type { Awaitable } from './awaitable.js';

/**
 * One secret shown once and not yet proved (`pending_totps`, migration 18). The id the browser holds is not a
 * column: `key` is its SHA-256, so a reader of the database cannot confirm anyone's pending app, and the secret is
 * sealed at rest like a token's seed (A9.1) by the adapters that write it to disk.
 */
export interface StoredPendingTotp {
  /** SHA-256 of the pending id, base64url. */
  readonly key: string;
  /** The only user who may confirm it. */
  readonly user: string;
  readonly label: string;
  readonly issuer: string;
  /** The raw TOTP secret (160 bits, A6.6). */
  readonly secret: Uint8Array;
  /** Epoch ms; at or after it the row is as good as gone. */
  readonly expiresAt: number;
}

/** The bounds `add` keeps: a newer pending drops the user's oldest, and the table never grows past `max`. */
export interface PendingTotpBounds {
  readonly perUser: number;
  readonly max: number;
}

/**
 * In the database on SQLite and PostgreSQL alike, so the app's first code may be typed on any node behind a load
 * balancer and a restart forgets nothing. Pendings are ordered by `expiresAt` (they share one lifetime, so it is
 * their age); two added in the same millisecond are in no defined order, which only the bounds could notice.
 */
export interface PendingTotpStore {
  /** Stores `pending`, first dropping the user's oldest beyond `perUser - 1` and the oldest beyond `max - 1`. */
  add(pending: StoredPendingTotp, bounds: PendingTotpBounds): Awaitable<void>;
  /** The pending under `key` while it has not expired at `now`; it stays there. */
  find(key: string, now: number): Awaitable<StoredPendingTotp | undefined>;
  /**
   * Removes the unexpired pending under `key` in one conditional statement: of two nodes taking it at once, exactly
   * one hears true (single use, A12.6).
   */
  take(key: string, now: number): Awaitable<boolean>;
  /** Deletes every pending expired at `now`. @returns how many */
  sweep(now: number): Awaitable<number>;
}
