// Owns the port of enrollment-at-login links (issue 18, SECURITY A11.4): the short codes given in a challenge,
// the TOTP key chosen on a link's page, and the hourly issue bounds, as rows every node shares.
import type { Awaitable } from './awaitable.js';

/**
 * One link given to one login (`enrollment_links`, migration 19). The code the user opens is not a column: `key`
 * is its SHA-256, so a reader of the database learns no usable link, and a TOTP key chosen on the page is sealed
 * at rest like a token's seed (A9.1) by the adapters that write it to disk.
 */
export interface StoredEnrollmentLink {
  /** SHA-256 of the link's code, base64url. */
  readonly key: string;
  /** The only user the link enrolls. */
  readonly user: string;
  /** The login it was given to: only that login's answer may prove a TOTP key chosen on its page. */
  readonly transactionId: string;
  /** The Calling-Station-Id of that login ('' when none), for the per-source bound. */
  readonly source: string;
  /** Epoch ms; what the hourly bounds count. */
  readonly issuedAt: number;
  /** Epoch ms; at or after it the link is as good as gone. */
  readonly expiresAt: number;
}

/** The bounds `issue` keeps: links a user may be given, and logins from one address may ask for, per window. */
export interface EnrollmentLinkBounds {
  readonly perUser: number;
  readonly perSource: number;
  readonly windowMs: number;
}

/**
 * What `issue` did: `issued` (stored, the user's other open link closed); `limited`, a bound refused it; `taken`,
 * a row (open or spent, any user's) already has its key. Neither of the last two stores, closes or counts anything,
 * so the caller may draw another code and issue again without spending the bounds twice.
 */
export type EnrollmentLinkIssue = 'issued' | 'limited' | 'taken';

/** A TOTP key waiting with its link for its first code (A11.4), and the key of that link, to spend it by. */
export interface HeldTotp {
  readonly key: string;
  /** The raw TOTP secret (160 bits, A6.6). */
  readonly secret: Uint8Array;
}

/**
 * In the database on SQLite and PostgreSQL alike, so a link shown by one node's challenge may be opened on any
 * node, its TOTP key held there, and its first code answered to any node; a restart forgets nothing. A link is
 * `open` until taken (a choice made, or its TOTP key stored) or replaced; spent rows stay, without their key,
 * until the window after their issue has passed, because the bounds count them.
 */
export interface EnrollmentLinkStore {
  /**
   * Stores `link` as its user's one open link, closing any other (on every node: of two issued at once for one
   * user, one stays open), unless the user or the source ('' is not bounded) was issued its bound already within
   * the window before `issuedAt`, or unless its key is stored already (a code drawn twice). The bounds are looked
   * at first: a link both over a bound and on a taken key is `limited`.
   */
  issue(link: StoredEnrollmentLink, bounds: EnrollmentLinkBounds): Awaitable<EnrollmentLinkIssue>;
  /** The open link under `key` while it has not expired at `now`; it stays open. */
  peek(key: string, now: number): Awaitable<StoredEnrollmentLink | undefined>;
  /**
   * Closes the open, unexpired link under `key` (dropping its TOTP key) in one conditional statement: of two nodes
   * taking it at once, exactly one hears the link; the other, and any later taker, undefined.
   */
  take(key: string, now: number): Awaitable<StoredEnrollmentLink | undefined>;
  /** Keeps `secret` with the open, unexpired link under `key`, replacing one held before; undefined: nothing kept. */
  holdTotp(key: string, secret: Uint8Array, now: number): Awaitable<StoredEnrollmentLink | undefined>;
  /** The TOTP key held with `user`'s open, unexpired link, only when that link was given to `transactionId`. */
  pendingTotp(user: string, transactionId: string, now: number): Awaitable<HeldTotp | undefined>;
  /** Deletes the links expired at `now` and issued `windowMs` or longer before it. @returns how many */
  sweep(now: number, windowMs: number): Awaitable<number>;
}
