// Owns the user portal's sessions (docs/self-service.md, SECURITY A12.2): random ids kept as SHA-256 only, bound to
// one user, with idle, absolute and second-factor-stage deadlines, in a table every node shares.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Awaitable } from '../domain/awaitable.js';
import {
  type PortalDeadlines,
  type PortalPush,
  type PortalSessionStore,
  portalSessionExpired,
  type StoredPortalSession,
} from '../domain/portal-session-store.js';
import { secretRowKey } from '../domain/secret-row-key.js';
import type { SignInMethod } from '../domain/sign-in.js';

export type { PortalMethod } from '../domain/portal-session-store.js';

/** SECURITY A12.2: the second-factor stage of a sign-in lasts at most this long. */
export const SECOND_FACTOR_STAGE_MS = 5 * 60_000;

/**
 * `lastSeenAt` is written back at most this often: one indexed read per request, not a write per request. So the
 * idle deadline counts from a time up to this much before the last request: a session may end up to a minute
 * before `portal.idleMinutes` of quiet (never later).
 */
export const TOUCH_EVERY_MS = 60_000;

/**
 * One request's view of a session: the stored fields and the CSRF token derived from the cookie's id. A copy per
 * request (another node may change the row meanwhile); changes go through PortalSessions, which keeps it current.
 */
export interface PortalSession extends StoredPortalSession {
  /** The double-submit token every state change must carry (SECURITY A12.3); derived, never stored. */
  readonly csrf: string;
}

export interface PortalSessionSettings {
  readonly idleMs: number;
  readonly absoluteMs: number;
  /** The most sessions held at once; the oldest is dropped for a new one (a bounded table). */
  readonly maxSessions?: number;
}

export type SessionLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'found'; readonly session: PortalSession };

/** A session id: 256 bits from the CSPRNG, base64url without padding (43 characters). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const newId = () => randomBytes(32).toString('base64url');
/**
 * SECURITY A12.3: the CSRF token is an HMAC keyed by the cookie's id, so it needs no column: a reader of the
 * table (who sees only SHA-256 of ids) can compute neither the cookie nor the token, and the page that holds the
 * token learns nothing of the HttpOnly cookie from it.
 */
const csrfOf = (id: string) => createHmac('sha256', id).update('assent portal csrf v1').digest('base64url');

/** Constant-time equality of two strings (CSRF tokens); unequal lengths are unequal without a comparison. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class PortalSessions {
  private readonly max: number;
  private readonly deadlines: PortalDeadlines;

  constructor(
    private readonly store: PortalSessionStore,
    settings: PortalSessionSettings,
  ) {
    this.max = settings.maxSessions ?? 100_000;
    this.deadlines = {
      idleMs: settings.idleMs,
      absoluteMs: settings.absoluteMs,
      stageMs: SECOND_FACTOR_STAGE_MS,
    };
  }

  /** How many sessions the table holds (expired ones not yet swept included). */
  size(): Awaitable<number> {
    return this.store.count();
  }

  /** A new session after the first factor; returns the id for the cookie (never stored). */
  async open(
    fields: Pick<StoredPortalSession, 'user' | 'groups' | 'txn' | 'methods' | 'enrollOnly'> & {
      readonly how?: SignInMethod;
    },
    now: number,
  ): Promise<{ id: string; session: PortalSession }> {
    const id = newId();
    const stored: StoredPortalSession = {
      key: secretRowKey(id),
      user: fields.user,
      groups: [...fields.groups],
      txn: fields.txn,
      stage: fields.how !== undefined ? 'signed-in' : 'second-factor',
      methods: [...fields.methods],
      how: fields.how ?? '',
      enrollOnly: fields.enrollOnly,
      startedAt: now,
      lastSeenAt: now,
      codeFailures: 0,
      push: undefined,
    };
    await this.store.create(stored, this.max, now, this.deadlines);
    return { id, session: { ...stored, csrf: csrfOf(id) } };
  }

  /**
   * The live session of a cookie's id (one read by primary key; its idle time starts again, written back at most
   * once a minute); `expired` once (then deleted) for one past a deadline; `none` for no id, a malformed one or
   * one never issued.
   */
  async find(id: string | undefined, now: number): Promise<SessionLookup> {
    if (id === undefined || !SESSION_ID_PATTERN.test(id)) return { kind: 'none' };
    const stored = await this.store.find(secretRowKey(id));
    if (stored === undefined) return { kind: 'none' };
    if (portalSessionExpired(stored, now, this.deadlines)) {
      await this.store.end(stored.key);
      return { kind: 'expired' };
    }
    if (now - stored.lastSeenAt < TOUCH_EVERY_MS)
      return { kind: 'found', session: { ...stored, csrf: csrfOf(id) } };
    await this.store.update(stored.key, { lastSeenAt: now });
    return { kind: 'found', session: { ...stored, lastSeenAt: now, csrf: csrfOf(id) } };
  }

  /** The session as the table holds it now (another request or node may have changed it), or undefined. */
  async current(session: PortalSession): Promise<PortalSession | undefined> {
    const stored = await this.store.find(session.key);
    return stored === undefined ? undefined : { ...stored, csrf: session.csrf };
  }

  /**
   * The second factor passed: the session is signed in under a new id (the old one stops working, so an id seen
   * before sign-in is worth nothing after it). Of two requests or nodes signing one session in, one wins.
   * @returns the new id for the cookie and the session under it; undefined when another request won
   */
  async signIn(
    session: PortalSession,
    how: SignInMethod,
    now: number,
  ): Promise<{ id: string; session: PortalSession } | undefined> {
    const id = newId();
    const change = {
      key: secretRowKey(id),
      stage: 'signed-in',
      how,
      push: undefined,
      lastSeenAt: now,
    } as const;
    if (!(await this.store.update(session.key, change, 'second-factor'))) return undefined;
    return { id, session: { ...session, ...change, csrf: csrfOf(id) } };
  }

  /** Notes the push the sign-in waits for (undefined: none). @returns the session with it, undefined if gone */
  async setPush(session: PortalSession, push: PortalPush | undefined): Promise<PortalSession | undefined> {
    if (!(await this.store.update(session.key, { push }))) return undefined;
    return { ...session, push };
  }

  /** One more wrong code, counted by the table in one step. @returns the count, 0 when the session is gone */
  codeFailed(session: PortalSession): Awaitable<number> {
    return this.store.addCodeFailure(session.key);
  }

  end(session: PortalSession): Awaitable<void> {
    return this.store.end(session.key);
  }

  /** Epoch ms of the absolute end (for the session object's `expiresAt`). */
  expiresAt(session: PortalSession): number {
    return session.startedAt + this.deadlines.absoluteMs;
  }

  /** Deletes every session past a deadline. */
  sweep(now: number): Awaitable<number> {
    return this.store.sweep(now, this.deadlines);
  }
}
