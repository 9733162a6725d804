// Owns signing in to the user portal (docs/self-service.md, SECURITY A12): the first factor and lockout as the REST
// API checks them, then a code or a push through the same use cases as RADIUS, and the sign-in history entry.
import type { Awaitable } from '../domain/awaitable.js';
import type { Identity } from '../domain/first-factor.js';
import { AMBIGUOUS_NAME, type AmbiguousName } from '../domain/name-key.js';
import type { PushTransaction } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { NewSignIn, SignInMethod } from '../domain/sign-in.js';
import type { ApplicationPushes } from './application-pushes.js';
import type { CheckPassword } from './check-credentials.js';
import { type PortalPushState, pushStateNow, waitForPush } from './portal-push-wait.js';
import type { PortalMethod, PortalSession, PortalSessions } from './portal-sessions.js';

/** The client name of portal sign-ins: in log lines, on the phone with a push, in the sign-in history. */
export const PORTAL_CLIENT = 'portal';

/** SECURITY A12.2: wrong codes one sign-in may type before it ends. */
export const MAX_PORTAL_CODE_ATTEMPTS = 5;

/** A typed code's verdict, with the kind of token that took it (the sign-in's `how`). */
export type PortalCodeVerdict =
  | { readonly ok: true; readonly how: 'totp' | 'hotp' | 'backup' }
  | { readonly ok: false; readonly reason: Reason };

export interface PortalSignInDeps {
  /** The REST API's password-only check: every first-factor source, then the account lock (A6.5, A6.7). */
  readonly checkPassword: CheckPassword;
  /** Issue 12: the name a user's tokens and devices are held under. */
  readonly tokenHolders: { holderOf(userName: string): string | undefined | AmbiguousName };
  /** The user holds a push device this server can reach (push on). */
  readonly pushOffered: (user: string) => boolean;
  /** The user holds an OTP or backup-code token. */
  readonly holdsCode: (user: string) => boolean;
  /** A user without a second factor may sign in on the password alone to enrol one (`portal.passwordOnlyEnrollment`). */
  readonly passwordOnlyEnrollment: (groups: readonly string[]) => boolean;
  /** A code alone, the way the REST API checks one (replay guard, lockout, TOTP, HOTP and backup codes). */
  readonly checkCode: (user: string, code: string, txn: string) => Promise<PortalCodeVerdict>;
  /** Pushes as the REST API sends them (PROTOCOL §4.1); absent when push is off. */
  readonly pushes?: Pick<ApplicationPushes, 'start' | 'listen' | 'unlisten' | 'outcomeOf'> | undefined;
  /** The push transaction by id, for a wait on a node that did not send the push (PostgreSQL: rows every node reads). */
  readonly readPush?: ((txn: string) => Awaitable<PushTransaction | undefined>) | undefined;
  /** Decision notices of other nodes (PostgreSQL), so such a wait reads the row when it may have changed. */
  readonly hearDecision?: ((txn: string, heard: () => void) => () => void) | undefined;
  /** PROTOCOL P7, SECURITY A7.7: whether a push to the user carries a number to match (the stored streak's). */
  readonly numberFor: (user: string) => Awaitable<boolean>;
  /** PROTOCOL P4: a typed code ends the user's waiting push, so a later approval changes nothing. */
  readonly endPushByCode: (txn: string) => void | Promise<void>;
  readonly sessions: PortalSessions;
  /** Appends a final outcome to the sign-in history. */
  readonly record: (entry: NewSignIn) => void;
  readonly newTransactionId: () => string;
  readonly now: () => number;
}

export type PortalSignedIn = { readonly ok: true; readonly session: PortalSession; readonly id?: string };
export type PortalRefusal = { readonly ok: false; readonly reason: Reason; readonly user: string };

/** How a wait for a push ended, as the portal tells it. */
export type PortalPushResult =
  | PortalSignedIn
  | { readonly ok: 'pending' }
  | { readonly ok: 'none' }
  | { readonly ok: false; readonly reason: Reason };

export interface PortalSignIn {
  /** The first step: a session in the second-factor stage, or signed in to enrol (`enrollOnly`). */
  password(username: string, password: string, src: string): Promise<PortalSignedIn | PortalRefusal>;
  /** A typed code; `ended` once the sign-in has used up its attempts. */
  code(
    session: PortalSession,
    code: string,
    src: string,
  ): Promise<PortalSignedIn | { ok: false; reason: Reason; ended: boolean }>;
  /** Sends a push to every device of the user (or tells the one already waiting). */
  startPush(
    session: PortalSession,
    src: string,
  ): Promise<{ ok: true; txn: string; number: string | null } | { ok: false; reason: Reason }>;
  /** Waits at most `waitMs` for the push's answer; `signal` aborts the wait (the browser went away). */
  awaitPush(
    session: PortalSession,
    src: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<PortalPushResult>;
}

export function createPortalSignIn(deps: PortalSignInDeps): PortalSignIn {
  const { sessions } = deps;
  const waitDeps = (pushes: NonNullable<PortalSignInDeps['pushes']>) => ({
    pushes,
    readPush: deps.readPush,
    hearDecision: deps.hearDecision,
    now: deps.now,
  });
  const at = () => new Date(deps.now()).toISOString();

  const record = (
    user: string,
    src: string,
    txn: string,
    outcome: { how: SignInMethod } | { reason: Reason },
  ) =>
    deps.record({
      userName: user,
      at: at(),
      client: PORTAL_CLIENT,
      userIp: src,
      result: 'how' in outcome ? 'accepted' : 'rejected',
      how: 'how' in outcome ? outcome.how : '',
      reason: 'reason' in outcome ? outcome.reason : '',
      txn,
    });

  const refuse = (user: string, src: string, txn: string, reason: Reason): PortalRefusal => {
    record(user, src, txn, { reason });
    return { ok: false, reason, user };
  };

  const afterPassword = async (
    identity: Identity,
    src: string,
    txn: string,
  ): Promise<PortalSignedIn | PortalRefusal> => {
    const holder = deps.tokenHolders.holderOf(identity.name);
    if (holder === AMBIGUOUS_NAME) return refuse(identity.name, src, txn, Reason.IdentityAmbiguous);
    const now = deps.now();
    if (holder === undefined) {
      if (!deps.passwordOnlyEnrollment(identity.groups))
        return refuse(identity.name, src, txn, Reason.SecondFactorMissing);
      record(identity.name, src, txn, { how: 'password' });
      const fields = { user: identity.name, groups: identity.groups, txn, methods: [], enrollOnly: true };
      const opened = await sessions.open({ ...fields, how: 'password' }, now);
      return { ok: true, session: opened.session, id: opened.id };
    }
    const methods: PortalMethod[] = [];
    if (deps.pushes !== undefined && deps.pushOffered(holder)) methods.push('push');
    if (deps.holdsCode(holder)) methods.push('code');
    // A push device while push is off: a second factor is held, but none can be asked for here.
    if (methods.length === 0) return refuse(holder, src, txn, Reason.PushUnavailable);
    const opened = await sessions.open(
      { user: holder, groups: identity.groups, txn, methods, enrollOnly: false },
      now,
    );
    return { ok: true, session: opened.session, id: opened.id };
  };

  /**
   * The session passed its second factor: signed in under a new id. Undefined when another request (or node)
   * signed it in first: this request's id is the old one, and that request's answer carries the new cookie.
   */
  const complete = async (
    session: PortalSession,
    how: SignInMethod,
    src: string,
  ): Promise<PortalSignedIn | undefined> => {
    const signed = await sessions.signIn(session, how, deps.now());
    if (signed === undefined) return undefined;
    // A push's outcome is recorded where every push login's is, once (the push waits, issue 18 sign-in history).
    if (how !== 'push') record(session.user, src, session.txn, { how });
    return { ok: true, session: signed.session, id: signed.id };
  };

  /** One code at a time per sign-in on this node: a second request while one is checked is a miss, not a chance. */
  const checking = new Set<string>();

  const pushResultOf = async (
    session: PortalSession,
    state: PortalPushState,
    src: string,
  ): Promise<PortalPushResult> => {
    if (state.kind === 'pending') return { ok: 'pending' };
    if (state.kind === 'unknown') return { ok: 'none' };
    const current = await sessions.current(session);
    // Signed in (and so under a new id) by another request, or ended: the browser's next poll tells it which.
    if (current === undefined || current.stage === 'signed-in') return { ok: 'pending' };
    if (state.kind === 'approved') return (await complete(current, 'push', src)) ?? { ok: 'pending' };
    await sessions.setPush(current, undefined);
    if (state.kind === 'undeliverable') {
      record(session.user, src, session.txn, { reason: Reason.PushUndelivered });
      return { ok: false, reason: Reason.PushUndelivered };
    }
    // Recorded with the push waits' decision, like the approval above.
    return { ok: false, reason: state.reason };
  };

  return {
    async password(username, password, src) {
      const txn = deps.newTransactionId();
      const result = await deps.checkPassword(username, password, {
        clientName: PORTAL_CLIENT,
        transactionId: txn,
      });
      if (!result.ok) return refuse(result.name ?? username, src, txn, result.reason);
      return afterPassword(result.identity, src, txn);
    },

    async code(session, code, src) {
      if (session.stage === 'signed-in') return { ok: true, session };
      if (checking.has(session.key)) return { ok: false, reason: Reason.StateUsed, ended: false };
      checking.add(session.key);
      let verdict: PortalCodeVerdict;
      try {
        verdict = await deps.checkCode(session.user, code, session.txn);
      } finally {
        checking.delete(session.key);
      }
      // Read again: a push may have been approved, or the session ended, while the code was checked. A session
      // gone from under its old key may have been signed in by that push, so its cookie is not cleared here.
      const current = await sessions.current(session);
      if (current === undefined || current.stage === 'signed-in')
        return { ok: false, reason: Reason.StateUsed, ended: false };
      if (verdict.ok) {
        const waiting = current.push;
        if (waiting !== undefined) await deps.endPushByCode(waiting.txn);
        return (
          (await complete(current, verdict.how, src)) ?? { ok: false, reason: Reason.StateUsed, ended: false }
        );
      }
      const failures = await sessions.codeFailed(current);
      if (failures === 0) return { ok: false, reason: Reason.StateUsed, ended: false };
      if (failures < MAX_PORTAL_CODE_ATTEMPTS) return { ok: false, reason: verdict.reason, ended: false };
      await sessions.end(current);
      record(session.user, src, session.txn, { reason: verdict.reason });
      return { ok: false, reason: verdict.reason, ended: true };
    },

    async startPush(session, src) {
      const pushes = deps.pushes;
      if (pushes === undefined || !session.methods.includes('push'))
        return { ok: false, reason: Reason.PushUnavailable };
      // Asked again while one waits: the same push (SECURITY A7.7: one pending push per user).
      const waiting = session.push;
      if (waiting !== undefined && (await pushStateNow(waitDeps(pushes), waiting.txn)).kind === 'pending')
        return { ok: true, ...waiting };
      const txn = deps.newTransactionId();
      const started = await pushes.start({
        username: session.user,
        clientName: PORTAL_CLIENT,
        userIp: src,
        transactionId: txn,
        withNumber: await deps.numberFor(session.user),
      });
      if (!started.ok) return started;
      const number = started.transaction.number === '' ? null : started.transaction.number;
      await sessions.setPush(session, { txn, number });
      return { ok: true, txn, number };
    },

    async awaitPush(session, src, waitMs, signal) {
      const pushes = deps.pushes;
      const waiting = session.push;
      if (session.stage === 'signed-in') return { ok: true, session };
      if (pushes === undefined || waiting === undefined) return { ok: 'none' };
      const now = await pushStateNow(waitDeps(pushes), waiting.txn);
      // Settled only while the browser still waits: an answer after it left is read by its next poll.
      const state =
        now.kind === 'pending' ? await waitForPush(waitDeps(pushes), waiting.txn, waitMs, signal) : now;
      return pushResultOf(session, state, src);
    },
  };
}
