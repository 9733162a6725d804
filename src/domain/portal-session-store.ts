// Owns the port of the user portal's session table (docs/self-service.md, SECURITY A12.2): rows every node shares.
import type { Awaitable } from './awaitable.js';
import type { SignInMethod } from './sign-in.js';

/** What a signed-in portal user can be asked for: a push to their devices, or a typed code (OTP or backup). */
export type PortalMethod = 'push' | 'code';

/** The push a sign-in waits for: its transaction (shared on PostgreSQL) and the number shown, if any. */
export interface PortalPush {
  readonly txn: string;
  readonly number: string | null;
}

/**
 * One browser's session as the table holds it (`portal_sessions`, migration 17). Neither the cookie's id nor the
 * CSRF token is a column: `key` is the id's SHA-256 and the token is derived from the id on each request
 * (SECURITY A12.2, A12.3), so a reader of the database can act as no one.
 */
export interface StoredPortalSession {
  /** SHA-256 of the cookie's id, base64url. */
  readonly key: string;
  /** The name the user's tokens and devices are held under. */
  readonly user: string;
  readonly groups: readonly string[];
  /** Names the sign-in in every log line and in the sign-in history (the `txn` of docs/operations.md). */
  readonly txn: string;
  readonly stage: 'second-factor' | 'signed-in';
  readonly methods: readonly PortalMethod[];
  /** How the second factor was proved; '' while in the second-factor stage. */
  readonly how: SignInMethod | '';
  /** Signed in on the password alone to enrol a first device (SECURITY A12.5). */
  readonly enrollOnly: boolean;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms of the last request written back (at most one write a minute, portal-sessions.ts). */
  readonly lastSeenAt: number;
  /** Wrong codes typed in the second-factor stage. */
  readonly codeFailures: number;
  /** The push this sign-in is waiting for, if one was sent. */
  readonly push: PortalPush | undefined;
}

/** What changes on a session after it is made. `key` rotates the id (sign-in); `stage` only moves forward. */
export type PortalSessionChange = Partial<
  Pick<StoredPortalSession, 'key' | 'stage' | 'how' | 'lastSeenAt' | 'push'>
>;

/** The three deadlines (SECURITY A12.2), in ms. */
export interface PortalDeadlines {
  readonly idleMs: number;
  readonly absoluteMs: number;
  /** The second-factor stage's own limit, counted from `startedAt`. */
  readonly stageMs: number;
}

/** True once `session` is past a deadline at `now`; the one rule every adapter's sweep and the lookup apply. */
export function portalSessionExpired(
  session: Pick<StoredPortalSession, 'stage' | 'startedAt' | 'lastSeenAt'>,
  now: number,
  deadlines: PortalDeadlines,
): boolean {
  if (now - session.lastSeenAt >= deadlines.idleMs) return true;
  if (now - session.startedAt >= deadlines.absoluteMs) return true;
  return session.stage === 'second-factor' && now - session.startedAt >= deadlines.stageMs;
}

/**
 * The portal's sessions in the database, not a node's memory, so a browser whose next request reaches another
 * node behind a load balancer stays signed in, and a restart signs no one out. Each call is one statement on one
 * row (a primary-key lookup or write) except `sweep` and the bound in `create`. Deadlines are checked by the
 * caller after `find` (portalSessionExpired) and by `sweep`; the store itself never reads a clock.
 */
export interface PortalSessionStore {
  /** Adds a session; when `max` are held, expired ones go first, then the oldest (bounded table). */
  create(session: StoredPortalSession, max: number, now: number, deadlines: PortalDeadlines): Awaitable<void>;
  /** The session of exactly this key, or undefined. */
  find(key: string): Awaitable<StoredPortalSession | undefined>;
  /**
   * Writes `change` to the session of `key`, only while it is in stage `whileStage` when given (so of two nodes
   * signing one session in, one wins). @returns whether a row was changed
   */
  update(
    key: string,
    change: PortalSessionChange,
    whileStage?: StoredPortalSession['stage'],
  ): Awaitable<boolean>;
  /** One more wrong code, counted in one step (two nodes' misses both count). @returns the new count, 0 if gone */
  addCodeFailure(key: string): Awaitable<number>;
  /** Deletes the session of `key` (sign-out, too many codes, expired). */
  end(key: string): Awaitable<void>;
  /** Deletes every session past a deadline. @returns how many */
  sweep(now: number, deadlines: PortalDeadlines): Awaitable<number>;
  count(): Awaitable<number>;
}
