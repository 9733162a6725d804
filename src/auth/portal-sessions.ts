// Owns the user portal's sessions (docs/self-service.md, SECURITY A12): random ids kept as SHA-256 only, bound to
// one user, with idle, absolute and second-factor-stage deadlines, in memory.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SignInMethod } from '../domain/sign-in.js';

/** What a signed-in portal user can be asked for: a push to their devices, or a typed code (OTP or backup). */
export type PortalMethod = 'push' | 'code';

/** SECURITY A12.2: the second-factor stage of a sign-in lasts at most this long. */
export const SECOND_FACTOR_STAGE_MS = 5 * 60_000;

/** One browser's session. Mutable fields change as the sign-in goes on; the id itself is never stored. */
export interface PortalSession {
  /** SHA-256 of the cookie's id, base64url: the map key (a memory dump reveals no usable cookie). */
  key: string;
  /** The name the user's tokens and devices are held under. */
  readonly user: string;
  readonly groups: readonly string[];
  /** The double-submit token every state change must carry (SECURITY A12.3). */
  readonly csrf: string;
  /** Names the sign-in in every log line and in the sign-in history (the `txn` of docs/operations.md). */
  readonly txn: string;
  stage: 'second-factor' | 'signed-in';
  readonly methods: readonly PortalMethod[];
  /** How the second factor was proved; '' while in the second-factor stage. */
  how: SignInMethod | '';
  /** Signed in on the password alone to enrol a first device: may only list and add (SECURITY A12.5). */
  readonly enrollOnly: boolean;
  readonly startedAt: number;
  lastSeenAt: number;
  /** Wrong codes typed in the second-factor stage. */
  codeFailures: number;
  /** The push this sign-in is waiting for, if one was sent. */
  push: { readonly txn: string; readonly number: string | null } | undefined;
}

export interface PortalSessionSettings {
  readonly idleMs: number;
  readonly absoluteMs: number;
  /** The most sessions held at once; the oldest is dropped for a new one (bounded memory). */
  readonly maxSessions?: number;
}

export type SessionLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'found'; readonly session: PortalSession };

/** A session id: 256 bits from the CSPRNG, base64url without padding (43 characters). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const keyOf = (id: string) => createHash('sha256').update(id, 'utf8').digest('base64url');
const newId = () => randomBytes(32).toString('base64url');

/** Constant-time equality of two strings (CSRF tokens); unequal lengths are unequal without a comparison. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class PortalSessions {
  private readonly sessions = new Map<string, PortalSession>();
  private readonly max: number;

  constructor(private readonly settings: PortalSessionSettings) {
    this.max = settings.maxSessions ?? 100_000;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A new session after the first factor; returns the id for the cookie (never kept here). */
  open(
    fields: Pick<PortalSession, 'user' | 'groups' | 'txn' | 'methods' | 'enrollOnly'> & {
      readonly how?: SignInMethod;
    },
    now: number,
  ): { id: string; session: PortalSession } {
    if (this.sessions.size >= this.max) this.sweep(now);
    if (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    const id = newId();
    const signedIn = fields.how !== undefined;
    const session: PortalSession = {
      key: keyOf(id),
      user: fields.user,
      groups: fields.groups,
      csrf: randomBytes(32).toString('base64url'),
      txn: fields.txn,
      stage: signedIn ? 'signed-in' : 'second-factor',
      methods: fields.methods,
      how: fields.how ?? '',
      enrollOnly: fields.enrollOnly,
      startedAt: now,
      lastSeenAt: now,
      codeFailures: 0,
      push: undefined,
    };
    this.sessions.set(session.key, session);
    return { id, session };
  }

  /**
   * The live session of a cookie's id, touched (its idle time starts again); `expired` once (then forgotten) for
   * one past a deadline; `none` for no id, a malformed one or one never issued.
   */
  find(id: string | undefined, now: number): SessionLookup {
    if (id === undefined || !SESSION_ID_PATTERN.test(id)) return { kind: 'none' };
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (session === undefined) return { kind: 'none' };
    if (this.expired(session, now)) {
      this.sessions.delete(key);
      return { kind: 'expired' };
    }
    session.lastSeenAt = now;
    return { kind: 'found', session };
  }

  /**
   * The second factor passed: the session is signed in under a new id (the old one stops working, so an id seen
   * before sign-in is worth nothing after it). Returns the new id for the cookie.
   */
  signIn(session: PortalSession, how: SignInMethod, now: number): string {
    this.sessions.delete(session.key);
    const id = newId();
    session.key = keyOf(id);
    session.stage = 'signed-in';
    session.how = how;
    session.push = undefined;
    session.lastSeenAt = now;
    this.sessions.set(session.key, session);
    return id;
  }

  end(session: PortalSession): void {
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
  }

  /** True while `session` is held (not ended, expired or replaced). */
  holds(session: PortalSession): boolean {
    return this.sessions.get(session.key) === session;
  }

  /** Epoch ms of the absolute end (for the session object's `expiresAt`). */
  expiresAt(session: PortalSession): number {
    return session.startedAt + this.settings.absoluteMs;
  }

  /** Forgets every session past a deadline. */
  sweep(now: number): number {
    let swept = 0;
    for (const [key, session] of this.sessions) {
      if (!this.expired(session, now)) continue;
      this.sessions.delete(key);
      swept++;
    }
    return swept;
  }

  private expired(session: PortalSession, now: number): boolean {
    if (now - session.lastSeenAt >= this.settings.idleMs) return true;
    if (now - session.startedAt >= this.settings.absoluteMs) return true;
    return session.stage === 'second-factor' && now - session.startedAt >= SECOND_FACTOR_STAGE_MS;
  }
}
