// Owns the login use case: a LoginRequest in, a Decision out, across first factor, challenge and code (ARCHITECTURE §4).
import { randomInt } from 'node:crypto';
import { whenReady } from '../domain/awaitable.js';
import type { ChallengeSession, ChallengeStore, TakeResult } from '../domain/challenge-session.js';
import { accept, type Decision, reject } from '../domain/decision.js';
import type { FirstFactor, FirstFactorResult, Identity } from '../domain/first-factor.js';
import type { GraceLoginStore } from '../domain/grace-logins.js';
import { AMBIGUOUS_NAME, type AmbiguousName } from '../domain/name-key.js';
import { TransactionStatus, type TransactionStore } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { InternalErrorSink, RequestContext } from '../domain/request-context.js';
import type { SignInMethod } from '../domain/sign-in.js';
import type { TokenType } from '../domain/token.js';
import { newTransactionId } from '../domain/transaction-id.js';
import { digitsText } from '../otp/code-format.js';
import type { CheckCode, CodeResult } from './check-code.js';
import type { EnrollAtLogin } from './enroll-at-login.js';
import { createGraceSignIn } from './grace-sign-in.js';
import type { GroupAttributes } from './group-attributes.js';
import type { LoginRequest } from './login-request.js';
import type { PushWaits } from './push-waits.js';
import type { SecondFactorPolicy } from './second-factor-policy.js';
import type { StartPush } from './start-push.js';
import { stationText } from './station-text.js';

export interface AuthenticateDeps {
  readonly firstFactor: FirstFactor;
  readonly policy: SecondFactorPolicy;
  /**
   * The name a user's tokens are held under (kept in memory, so the first step costs no query): the same
   * name, or the one spelling that differs from it only in case, spaces or width; undefined when the user holds
   * none; AMBIGUOUS_NAME when two spellings hold tokens (issue 12: refused, never let in on the password).
   */
  readonly tokenHolders: { holderOf(userName: string): string | undefined | AmbiguousName };
  /** Digit counts of the user's codes (6, 8, 10 for backup codes), for splitting `concat` passwords. */
  readonly codeLengthsOf: (userName: string) => readonly number[];
  readonly checkCode: CheckCode;
  /** Live States: one node's memory, or rows every node of a PostgreSQL site shares. */
  readonly sessions: ChallengeStore;
  readonly attributesFor: GroupAttributes;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** Told about failures that are not the caller's fault (a store that throws). */
  readonly onInternalError?: InternalErrorSink;
  /**
   * Issue 18 enrollment at login: a link for the user (a Reason when its limits refuse one), and the TOTP token a
   * user may choose on its page, pending until its first code. Absent: no enrollment at login (push off).
   */
  readonly enrollment?: Pick<EnrollAtLogin, 'issue' | 'pendingTotp' | 'firstTotpCode'>;
  /** Grace sign-ins used (issue 18 `secondFactor.graceLogins`); absent: only date grace periods apply. */
  readonly graceLogins?: Pick<GraceLoginStore, 'used' | 'recordUse' | 'ownGrace'>;
  /** Push authentication (docs/push.md); absent: an empty answer is refused as PUSH_UNAVAILABLE. */
  readonly push?: PushHooks;
}

/** What the login needs from push: whether it is offered, how to start one, where waiting logins are kept. */
export interface PushHooks {
  /** The user (as their tokens are held) has an enrolled authenticator: the challenge text offers push. */
  offered(userName: string): boolean;
  readonly start: StartPush;
  readonly waits: PushWaits;
  readonly transactions: TransactionStore;
  /** `push.timeoutSeconds` in ms. */
  readonly timeoutMs: number;
  readonly numberMatching: boolean;
  /** SECURITY A7.7: this user's recent pushes were denied or unanswered, so number matching applies to them. */
  numberRequired?(userName: string): boolean;
  /** A relay wait was added (the push started on another node): look the transaction up once, it may be decided. */
  relayed?(transactionId: string): void;
}

/** docs/push.md §7: our Access-Reject must reach the NAS before it gives up. */
const NAS_MARGIN_MS = 5_000;
/** A push that cannot wait at least this long is not started (the NAS would give up first). */
const MIN_PUSH_MS = 5_000;

/** Returns a Decision now when every step is synchronous, or a promise when a step runs off the event loop. */
export type Authenticate = (request: LoginRequest) => Decision | Promise<Decision>;

const utf8 = new TextDecoder();
const NO_LENGTHS: readonly number[] = Object.freeze([]);
const NO_PASSWORD = new Uint8Array(0);

/** P2: an empty answer or `push` (any case, trimmed) asks for a push instead of typing a code. */
function asksForPush(code: string): boolean {
  return code === '' || code.toLowerCase() === 'push';
}

/** Issue 12: a request the NAS no longer waits for gets no reply at all (a counted drop), not a late Reject. */
function unlessStale(decision: Decision): Decision {
  return decision.kind === 'reject' && decision.reason === Reason.RequestStale
    ? { kind: 'drop', reason: Reason.RequestStale }
    : decision;
}

/** PROTOCOL P7: two digits from the CSPRNG, never `00`-style leading-zero confusion on a keypad-less screen. */
function twoDigits(): string {
  return String(randomInt(10, 100));
}

/**
 * Builds the login use case. Modes (PROTOCOL P6): `challenge` checks the password and answers Access-Challenge
 * for the code; `concat` takes password and code in one User-Password; `otp-only` takes the code alone.
 */
export function createAuthenticate(deps: AuthenticateDeps): Authenticate {
  const { firstFactor, policy, sessions } = deps;
  const settings = policy.settings;
  const clock = deps.now ?? Date.now;

  const internal = (error: unknown, what: string, request: RequestContext, name?: string, txn?: string) => {
    const transactionId = txn ?? request.transactionId;
    deps.onInternalError?.(error, what, { user: name, txn: transactionId, client: request.clientName });
    return reject(Reason.InternalError, name, txn);
  };

  const code = (name: string, typed: string, now: number, context: RequestContext) =>
    deps.checkCode(name, typed, new Date(now), context);

  /** `via`: how the login passed, for the sign-in history (issue 18); a field of the Accept, nothing more. */
  const acceptIdentity = (identity: Identity, via: SignInMethod, txn?: string): Decision =>
    accept(identity.name, deps.attributesFor(identity.groups), txn, via);

  const grace = createGraceSignIn({
    policy,
    graceLogins: deps.graceLogins,
    attributesFor: deps.attributesFor,
    now: clock,
  });

  /**
   * A user who passed the first factor and holds no second factor: let in unless `requireForAll`; under it, let in
   * with a reminder until their grace period ends (issue 18), then enrollment at login where allowed, else refused
   * as SECOND_FACTOR_MISSING.
   */
  const withoutSecondFactor = (
    identity: Identity,
    request?: LoginRequest,
    typed?: string,
  ): Decision | Promise<Decision> => {
    const graced = grace(identity);
    return graced instanceof Promise
      ? graced.then((decided) => afterGrace(identity, request, typed, decided))
      : afterGrace(identity, request, typed, graced);
  };

  const afterGrace = (
    identity: Identity,
    request: LoginRequest | undefined,
    typed: string | undefined,
    graced: Decision | undefined,
  ): Decision | Promise<Decision> => {
    if (graced !== undefined) return graced;
    // Issue 18: then enrollment at login, where the NAS can answer a challenge (not in `concat` mode).
    if (request !== undefined && typed !== undefined && deps.enrollment !== undefined) {
      if (policy.enrollAtLoginFor(request.clientName, identity.groups))
        return enrollAtLogin(identity, request, typed);
    }
    return settings.requireForAll
      ? reject(Reason.SecondFactorMissing, identity.name)
      : acceptIdentity(identity, 'password');
  };

  /**
   * Issue 18: a challenge naming a link whose page enrolls the web authenticator or shows a TOTP key for this user;
   * the answer to it (empty, or `push`) then sends the first push, or (a code) proves and stores the TOTP token.
   * No leading `+`: no push is possible yet.
   */
  const enrollAtLogin = (
    identity: Identity,
    request: LoginRequest,
    typed: string,
  ): Decision | Promise<Decision> => {
    const now = clock();
    // Issue 13: 128 bits, so a transaction id never repeats across nodes and restarts.
    const txn = request.transactionId ?? newTransactionId();
    const source = request.callingStationId === undefined ? '' : stationText(request.callingStationId);
    const issued = deps.enrollment!.issue(identity.name, txn, source, request.clientName, now);
    if ('refused' in issued) return reject(issued.refused, identity.name, txn);
    const opened = sessions.open(
      {
        transactionId: txn,
        clientName: request.clientName,
        typedName: typed,
        identity,
        number: '',
        enrollUrl: issued.url,
        userIp: source,
      },
      now,
    );
    return opened instanceof Promise ? opened.then(challengeOpened) : challengeOpened(opened);
  };

  const challengeOpened = (session: ChallengeSession): Decision => challengeFor(session, undefined);

  /** The identity named as its tokens are held (issue 12); undefined when it holds none; AMBIGUOUS_NAME. */
  const holding = (identity: Identity): Identity | undefined | AmbiguousName => {
    const holder = deps.tokenHolders.holderOf(identity.name);
    if (holder === undefined || holder === AMBIGUOUS_NAME) return holder;
    return holder === identity.name ? identity : { ...identity, name: holder };
  };

  /** After a passed first factor in `challenge` mode: let in, refuse, or challenge for the code. */
  const afterFirstFactor = (
    request: LoginRequest,
    typed: string,
    result: FirstFactorResult,
  ): Decision | Promise<Decision> => {
    if (!result.ok) return reject(result.reason, result.name ?? typed);
    const identity = result.identity;
    if (policy.isExempt(request.clientName, identity)) return acceptIdentity(identity, 'password');
    const holder = holding(identity);
    if (holder === AMBIGUOUS_NAME) return reject(Reason.IdentityAmbiguous, identity.name);
    if (holder === undefined) return withoutSecondFactor(identity, request, typed);
    const push = deps.push;
    const wantsNumber =
      push !== undefined && (push.numberMatching || push.numberRequired?.(holder.name) === true);
    const opened = sessions.open(
      {
        transactionId: request.transactionId ?? newTransactionId(),
        clientName: request.clientName,
        typedName: typed,
        identity: holder,
        number: wantsNumber && push.offered(holder.name) ? twoDigits() : '',
        enrollUrl: '',
        userIp: request.callingStationId === undefined ? '' : stationText(request.callingStationId),
      },
      clock(),
    );
    return opened instanceof Promise ? opened.then(challengeOpened) : challengeOpened(opened);
  };

  const challengeText = (session: ChallengeSession): string => {
    if (session.enrollUrl !== '') {
      const totp =
        deps.enrollment?.pendingTotp(session.identity.name, session.transactionId, clock()) === true;
      const text =
        session.codeAttempts === 0
          ? settings.enrollmentText
          : totp
            ? settings.enrollmentTotpText
            : settings.enrollmentPendingText;
      return text.replaceAll('{url}', session.enrollUrl);
    }
    const offered = deps.push?.offered(session.identity.name) ?? false;
    const text = policy.challengeText(offered);
    return session.number === '' ? text : `${text} (number ${session.number})`;
  };

  const challengeFor = (session: ChallengeSession, reason: Reason | undefined): Decision => {
    const base = {
      kind: 'challenge' as const,
      user: session.identity.name,
      state: session.state,
      // PROTOCOL P1: the leading `+` offers push, only to a user with an authenticator; P7: the number to match.
      text: challengeText(session),
      transactionId: session.transactionId,
      timeoutSeconds: settings.challengeSeconds,
    };
    return reason === undefined ? base : { ...base, reason };
  };

  /** The answer to a challenge: State + code (A4.4, P2). */
  const answer = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
  ): Decision | Promise<Decision> => {
    const now = clock();
    const taken = sessions.take(request.state!, request.clientName, typed, now);
    return taken instanceof Promise
      ? taken.then((result) => answerTaken(request, typed, password, now, result))
      : answerTaken(request, typed, password, now, taken);
  };

  const answerTaken = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
    now: number,
    taken: TakeResult,
  ): Decision | Promise<Decision> => {
    if (!taken.ok) return reject(taken.reason, typed, taken.session?.transactionId);
    const session = taken.session;
    const name = session.identity.name;
    const txn = session.transactionId;
    // A4.3: while one answer's code is being committed, a second answer with the same State is refused.
    if (session.checking) return reject(Reason.StateUsed, name, txn);
    // A typed code is digits: no decoder call then (and nothing to trim).
    const text = digitsText(password, 0, password.length) ?? utf8.decode(password).trim();
    // Issue 18: no authenticator enrolled yet: the answer is the first code of a TOTP token chosen on the link's
    // page, or comes too early.
    if (session.enrollUrl !== '' && deps.push?.offered(name) !== true) {
      return enrollmentAnswer(request, session, asksForPush(text) ? undefined : text, now);
    }
    if (asksForPush(text)) return startPush(request, session, now);
    const claimed = sessions.claim(session, now);
    return claimed instanceof Promise
      ? claimed.then((won) => checkClaimed(request, session, text, now, won))
      : checkClaimed(request, session, text, now, claimed);
  };

  /** A4.3: the claimed session's typed code is checked; a lost claim is refused as used. */
  const checkClaimed = (
    request: LoginRequest,
    session: ChallengeSession,
    text: string,
    now: number,
    claimed: boolean,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    if (!claimed) return reject(Reason.StateUsed, name, txn);
    try {
      const result = code(name, text, now, { transactionId: txn, clientName: request.clientName });
      return result instanceof Promise
        ? result.then(
            (settled) => settleAnswer(session, now, settled),
            (error: unknown) => endThen(session, now, internal(error, 'code check', request, name, txn)),
          )
        : settleAnswer(session, now, result);
    } catch (error) {
      return endThen(session, now, internal(error, 'code check', request, name, txn));
    }
  };

  /** Ends the session, then gives `decision` (on PostgreSQL, once the end is committed). */
  const endThen = (
    session: ChallengeSession,
    now: number,
    decision: Decision,
  ): Decision | Promise<Decision> => {
    const ended = sessions.end(session, now);
    return ended instanceof Promise ? ended.then(() => decision) : decision;
  };

  /** The code's verdict for a challenge answer: accept, re-challenge while attempts are left (A4.4), or reject. */
  const settleAnswer = (
    session: ChallengeSession,
    now: number,
    result: CodeResult,
  ): Decision | Promise<Decision> => {
    const txn = session.transactionId;
    if (result.ok) {
      if (session.pushing && deps.push !== undefined)
        return answeredByCode(deps.push, session, result.type, now);
      return endThen(session, now, acceptIdentity(session.identity, result.type, txn));
    }
    const retry = result.reason === Reason.CodeWrong || result.reason === Reason.CodeReplayed;
    if (retry && session.codeAttempts < settings.maxCodeAttempts)
      return rechallengeFor(session, now, result.reason);
    return endThen(session, now, reject(result.reason, session.identity.name, txn));
  };

  /** A4.4: a new State for the same login, then the challenge that carries it. */
  const rechallengeFor = (
    session: ChallengeSession,
    now: number,
    reason: Reason,
  ): Decision | Promise<Decision> => {
    const moved = sessions.rechallenge(session, now);
    return moved instanceof Promise
      ? moved.then(() => challengeFor(session, reason))
      : challengeFor(session, reason);
  };

  /**
   * Issue 18, A11.4: the answer of a login whose user is still enrolling. A code is checked against the TOTP token
   * chosen on the link's page (stored only if it verifies); anything else, or a wrong code, re-challenges while
   * attempts are left (A4.4), then refuses.
   */
  const enrollmentAnswer = (
    request: LoginRequest,
    session: ChallengeSession,
    typed: string | undefined,
    now: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    let checked: CodeResult | undefined | Promise<CodeResult | undefined>;
    try {
      if (typed !== undefined)
        checked = deps.enrollment?.firstTotpCode(name, txn, typed, now, request.clientName);
    } catch (error) {
      return endThen(session, now, internal(error, 'enrollment at login', request, name, txn));
    }
    if (!(checked instanceof Promise)) return enrollmentVerdict(session, checked, now);
    // A4.3: while the token is being stored, a second answer with the same State is refused.
    session.checking = true;
    return checked.then(
      (settled) => {
        session.checking = false;
        return enrollmentVerdict(session, settled, now);
      },
      (error: unknown) => {
        session.checking = false;
        return endThen(session, now, internal(error, 'enrollment at login', request, name, txn));
      },
    );
  };

  const enrollmentVerdict = (
    session: ChallengeSession,
    checked: CodeResult | undefined,
    now: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    // Enrollment at login counts here, not through `claim`: the page's pending TOTP key is this node's (docs/storage.md).
    session.codeAttempts++;
    if (checked?.ok === true) return endThen(session, now, acceptIdentity(session.identity, 'totp', txn));
    const reason = checked === undefined ? Reason.SecondFactorMissing : checked.reason;
    if (session.codeAttempts >= settings.maxCodeAttempts)
      return endThen(session, now, reject(reason, name, txn));
    return rechallengeFor(session, now, reason);
  };

  /**
   * P2, P3: an empty answer or `push` starts a push and holds the request (Decision `pending`). A3.4: asked again
   * with the same State while one waits, the request joins it; no second push is sent, whichever node asked.
   */
  const startPush = (
    request: LoginRequest,
    session: ChallengeSession,
    now: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    const hooks = deps.push;
    if (session.pushing) return attach(hooks, session);
    if (hooks === undefined || !hooks.offered(name)) {
      return endThen(session, now, reject(Reason.PushUnavailable, name, txn));
    }
    const nasDeadline =
      request.deadline === undefined ? Number.POSITIVE_INFINITY : request.deadline - NAS_MARGIN_MS;
    const deadline = Math.min(now + hooks.timeoutMs, nasDeadline, session.deadline);
    if (deadline - now < MIN_PUSH_MS) {
      return endThen(session, now, reject(Reason.PushUnavailable, name, txn));
    }
    // Marked before the push is sent, so a second empty answer (to this node or another) attaches instead.
    return whenReady(sessions.startPushing(session), (first) =>
      first ? sendPush(hooks, session, now, deadline) : attach(hooks, session),
    );
  };

  const sendPush = (
    hooks: PushHooks,
    session: ChallengeSession,
    now: number,
    deadline: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    return whenReady(
      hooks.start({
        transactionId: txn,
        userName: name,
        clientName: session.clientName,
        userIp: session.userIp,
        number: session.number,
        now,
        deadline,
      }),
      (started) => {
        if (!started.ok) return endThen(session, now, reject(started.reason, name, txn));
        hooks.waits.add({
          transactionId: txn,
          identity: session.identity,
          clientName: session.clientName,
          userIp: session.userIp,
          deadline,
          relay: false,
          ended: () => endQuietly(session),
        });
        return { kind: 'pending', user: name, transactionId: txn };
      },
    );
  };

  /**
   * A3.4: this request waits for a push already started. When another node started it (a NAS that failed over),
   * this node holds a relay wait of its own, so the decision that node or a third one commits reaches this request
   * too (docs/storage.md "Logins across nodes"); the push's own deadline is bounded by the session's.
   */
  const attach = (hooks: PushHooks | undefined, session: ChallengeSession): Decision => {
    const txn = session.transactionId;
    if (hooks !== undefined && !hooks.waits.has(txn)) {
      hooks.waits.add({
        transactionId: txn,
        identity: session.identity,
        clientName: session.clientName,
        userIp: session.userIp,
        deadline: session.deadline,
        relay: true,
        ended: () => endQuietly(session),
      });
      hooks.relayed?.(txn);
    }
    return { kind: 'pending', user: session.identity.name, transactionId: txn };
  };

  /** A decided push ends its State; a failure to record that is logged, the decision stands. */
  const endQuietly = (session: ChallengeSession): void => {
    const failed = (error: unknown) =>
      deps.onInternalError?.(error, 'ending a challenge', {
        user: session.identity.name,
        txn: session.transactionId,
        client: session.clientName,
      });
    try {
      const ended = sessions.end(session, clock());
      if (ended instanceof Promise) ended.catch(failed);
    } catch (error) {
      failed(error);
    }
  };

  /**
   * PROTOCOL P6 `auto`: a challenge for a user with an authenticator becomes a push at once, holding this very
   * request; anything else (accept, reject, a challenge for a code-only user) stands as decided.
   */
  const autoPush = (request: LoginRequest, decided: Decision): Decision | Promise<Decision> => {
    if (decided.kind !== 'challenge' || deps.push === undefined || !deps.push.offered(decided.user))
      return decided;
    const now = clock();
    return whenReady(sessions.take(decided.state, request.clientName, request.userName!, now), (taken) =>
      taken.ok ? startPush(request, taken.session, now) : decided,
    );
  };

  /** P4: a typed code while a push waits ends the transaction as answered-by-code, if nothing decided it first. */
  const answeredByCode = (
    hooks: PushHooks,
    session: ChallengeSession,
    via: TokenType,
    now: number,
  ): Decision | Promise<Decision> => {
    const txn = session.transactionId;
    return whenReady(
      hooks.transactions.decide(txn, { status: TransactionStatus.AnsweredByCode }),
      (result) => {
        if (!result.won) {
          return whenReady(sessions.release(session), () =>
            reject(Reason.StateUsed, session.identity.name, txn),
          );
        }
        // Releases the held request(s) without a reply (here; other nodes through the store's notice).
        hooks.waits.settled(result.transaction);
        return endThen(session, now, acceptIdentity(session.identity, via, txn));
      },
    );
  };

  /** `concat`: password immediately followed by the code; the code's length comes from the user's tokens. */
  const concat = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
  ): Decision | Promise<Decision> => {
    const resolved = firstFactor.resolveName(typed);
    if (!resolved.ok) return reject(resolved.reason, typed);
    const name = resolved.name;
    const exemptByName = settings.exemptUsers.includes(name) || settings.clients[request.clientName]?.exempt;
    const holder = deps.tokenHolders.holderOf(name);
    if (holder === AMBIGUOUS_NAME) return reject(Reason.IdentityAmbiguous, name);
    const held = holder === undefined ? NO_LENGTHS : deps.codeLengthsOf(holder);
    if (exemptByName || held.length === 0) {
      return whenReady(firstFactor.check(typed, password, request), (result) =>
        afterPasswordOnly(request, typed, result),
      );
    }
    const lengths =
      held.length === 1 && held[0]! < password.length ? held : held.filter((n) => n < password.length);
    // Too short to hold a code: still check it as a password, so the log says which factor was wrong.
    if (lengths.length === 0) {
      return whenReady(firstFactor.check(typed, password, request), (result) =>
        afterPasswordOnly(request, typed, result),
      );
    }
    return tryLengths(request, typed, password, lengths, 0);
  };

  const afterPasswordOnly = (
    request: LoginRequest,
    typed: string,
    result: FirstFactorResult,
  ): Decision | Promise<Decision> => {
    if (!result.ok) return reject(result.reason, result.name ?? typed);
    const identity = result.identity;
    if (policy.isExempt(request.clientName, identity)) return acceptIdentity(identity, 'password');
    const holder = deps.tokenHolders.holderOf(identity.name);
    if (holder === AMBIGUOUS_NAME) return reject(Reason.IdentityAmbiguous, identity.name);
    if (holder !== undefined) return reject(Reason.CodeWrong, identity.name);
    return withoutSecondFactor(identity);
  };

  const tryLengths = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
    lengths: readonly number[],
    index: number,
  ): Decision | Promise<Decision> => {
    const length = lengths[index];
    if (length === undefined) return reject(Reason.CodeWrong, typed);
    const split = password.length - length;
    const typedCode = digitsText(password, split, password.length);
    if (typedCode === undefined) return tryLengths(request, typed, password, lengths, index + 1);
    const checked = firstFactor.check(typed, password.subarray(0, split), request);
    // The first factor is synchronous for cached local users: no closure unless it is not.
    return checked instanceof Promise
      ? checked.then((result) => afterSplit(request, typed, password, lengths, index, typedCode, result))
      : afterSplit(request, typed, password, lengths, index, typedCode, checked);
  };

  const afterSplit = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
    lengths: readonly number[],
    index: number,
    typedCode: string,
    result: FirstFactorResult,
  ): Decision | Promise<Decision> => {
    if (!result.ok) {
      // Only a wrong password can mean "wrong split"; anything else (unknown user, directory down) is final.
      if (result.reason === Reason.BadPassword && index + 1 < lengths.length) {
        return tryLengths(request, typed, password, lengths, index + 1);
      }
      return reject(result.reason, result.name ?? typed);
    }
    if (policy.isExempt(request.clientName, result.identity))
      return acceptIdentity(result.identity, 'password');
    const holder = holding(result.identity);
    if (holder === AMBIGUOUS_NAME) return reject(Reason.IdentityAmbiguous, result.identity.name);
    const identity = holder ?? result.identity;
    const checked = code(identity.name, typedCode, clock(), request);
    return checked instanceof Promise
      ? checked.then((verdict) => codeVerdict(identity, verdict))
      : codeVerdict(identity, checked);
  };

  const codeVerdict = (identity: Identity, checked: CodeResult): Decision =>
    checked.ok ? acceptIdentity(identity, checked.type) : reject(checked.reason, identity.name);

  /** `otp-only`: the code is the only factor; groups come from the local record. */
  const otpOnly = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
  ): Decision | Promise<Decision> => {
    const resolved = firstFactor.resolveName(typed);
    if (!resolved.ok) return reject(resolved.reason, typed);
    // No first factor names the user here: the tokens' own spelling does (issue 12).
    const holder = deps.tokenHolders.holderOf(resolved.name);
    if (holder === AMBIGUOUS_NAME) return reject(Reason.IdentityAmbiguous, resolved.name);
    const name = holder ?? resolved.name;
    return whenReady(code(name, utf8.decode(password).trim(), clock(), request), (checked) => {
      if (!checked.ok) return reject(checked.reason, name);
      return acceptIdentity({ name, groups: firstFactor.groupsOf(name), source: 'token' }, checked.type);
    });
  };

  const modeFor = (request: LoginRequest, typed: string) => {
    if (!policy.modeDependsOnGroups) return policy.modeFor(request.clientName, []);
    const resolved = firstFactor.resolveName(typed);
    return policy.modeFor(request.clientName, resolved.ok ? firstFactor.groupsOf(resolved.name) : []);
  };

  const decide = (request: LoginRequest): Decision | Promise<Decision> => {
    if (request.userName === undefined) return reject(request.userNameProblem ?? Reason.UserNameMissing);
    const typed = request.userName;
    const credential = request.credential;
    switch (credential.kind) {
      case 'chap':
        // P2: a code cannot be checked through CHAP, and passwords are stored hashed.
        return reject(Reason.ChapUnsupported, typed);
      case 'eap':
        return reject(Reason.EapUnsupported, typed);
      case 'none':
        // PROTOCOL P2: a State with no User-Password is the empty answer (radclient sends `""` that way).
        if (request.state !== undefined) return answer(request, typed, NO_PASSWORD);
        return reject(Reason.NoCredentials, typed);
      case 'malformed':
        return reject(credential.reason, typed);
      case 'password':
        break;
    }
    const password = credential.password;
    // RFC 5080 §2.1.1, A4.5, A4.6: a State continues its own transaction only; it never starts a fresh login.
    if (request.state !== undefined) return answer(request, typed, password);
    switch (modeFor(request, typed)) {
      case 'concat':
        return concat(request, typed, password);
      case 'otp-only':
        return otpOnly(request, typed, password);
      case 'challenge':
        return whenReady(firstFactor.check(typed, password, request), (result) =>
          afterFirstFactor(request, typed, result),
        );
      case 'auto':
        return whenReady(firstFactor.check(typed, password, request), (result) =>
          whenReady(afterFirstFactor(request, typed, result), (decided) => autoPush(request, decided)),
        );
    }
  };

  return (request) => {
    try {
      const decision = decide(request);
      if (decision instanceof Promise) {
        return decision.then(unlessStale, (error: unknown) =>
          internal(error, 'login', request, request.userName),
        );
      }
      return unlessStale(decision);
    } catch (error) {
      return internal(error, 'login', request, request.userName);
    }
  };
}
