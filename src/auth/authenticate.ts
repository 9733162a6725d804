// Owns the login use case: a LoginRequest in, a Decision out, across first factor, challenge and code (ARCHITECTURE §4).
import { randomInt } from 'node:crypto';
import { type Awaitable, whenReady } from '../domain/awaitable.js';
import type { ChallengeStore } from '../domain/challenge-session.js';
import { type Decision, reject } from '../domain/decision.js';
import type { FirstFactor, FirstFactorResult, Identity } from '../domain/first-factor.js';
import type { GraceLoginStore } from '../domain/grace-logins.js';
import { AMBIGUOUS_NAME, type AmbiguousName } from '../domain/name-key.js';
import type { TransactionStore } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { InternalErrorSink } from '../domain/request-context.js';
import { newTransactionId } from '../domain/transaction-id.js';
import { createAnswerChallenge } from './answer-challenge.js';
import { createChallengeDecisions } from './challenge-decisions.js';
import type { CheckCode } from './check-code.js';
import type { EnrollAtLogin } from './enroll-at-login.js';
import { createEnrollmentChallenge } from './enrollment-challenge.js';
import type { GroupAttributes } from './group-attributes.js';
import { createLoginContext } from './login-context.js';
import { createLoginPush } from './login-push.js';
import type { LoginRequest } from './login-request.js';
import type { PushWaits } from './push-waits.js';
import type { SecondFactorMode, SecondFactorPolicy } from './second-factor-policy.js';
import { createSingleRequestModes } from './single-request-modes.js';
import type { StartPush } from './start-push.js';
import { stationText } from './station-text.js';
import { createWithoutSecondFactor } from './without-second-factor.js';

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
  /**
   * SECURITY A7.7: this user's recent pushes were denied or unanswered, so number matching applies to them. Read
   * from the database's streak (a promise on PostgreSQL), so misses on every node count.
   */
  numberRequired?(userName: string): Awaitable<boolean>;
  /** A relay wait was added (the push started on another node): look the transaction up once, it may be decided. */
  relayed?(transactionId: string): void;
}

/** Returns a Decision now when every step is synchronous, or a promise when a step runs off the event loop. */
export type Authenticate = (request: LoginRequest) => Decision | Promise<Decision>;

const NO_PASSWORD = new Uint8Array(0);

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
  const ctx = createLoginContext(deps);
  const { firstFactor, policy } = deps;
  const { sessions, clock, internal, acceptIdentity, holding } = ctx;
  // Built once here, each given the steps it continues with: a login allocates no step of its own.
  const challenges = createChallengeDecisions(ctx);
  const { challengeOpened } = challenges;
  const loginPush = createLoginPush(ctx, challenges);
  const { autoPush } = loginPush;
  const enrollment = createEnrollmentChallenge(ctx, challenges);
  const withoutSecondFactor = createWithoutSecondFactor(ctx, enrollment);
  const answer = createAnswerChallenge(ctx, challenges, loginPush, enrollment);
  const { concat, otpOnly } = createSingleRequestModes(ctx, withoutSecondFactor);

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
    // PROTOCOL P7: the number is in the challenge's text, so it is chosen now, before any push is asked for.
    if (push === undefined || !push.offered(holder.name)) return openChallenge(request, typed, holder, false);
    if (push.numberMatching || push.numberRequired === undefined) {
      return openChallenge(request, typed, holder, push.numberMatching);
    }
    const required = push.numberRequired(holder.name);
    return required instanceof Promise
      ? required.then((withNumber) => openChallenge(request, typed, holder, withNumber))
      : openChallenge(request, typed, holder, required);
  };

  const openChallenge = (
    request: LoginRequest,
    typed: string,
    holder: Identity,
    withNumber: boolean,
  ): Decision | Promise<Decision> => {
    const opened = sessions.open(
      {
        transactionId: request.transactionId ?? newTransactionId(),
        clientName: request.clientName,
        typedName: typed,
        identity: holder,
        number: withNumber ? twoDigits() : '',
        enrollUrl: '',
        userIp: request.callingStationId === undefined ? '' : stationText(request.callingStationId),
      },
      clock(),
    );
    return opened instanceof Promise ? opened.then(challengeOpened) : challengeOpened(opened);
  };

  /** A promise only when the mode depends on groups and the user must be read first (PostgreSQL). */
  const modeFor = (request: LoginRequest, typed: string): Awaitable<SecondFactorMode> => {
    if (!policy.modeDependsOnGroups) return policy.modeFor(request.clientName, []);
    const resolved = firstFactor.resolveName(typed);
    if (!resolved.ok) return policy.modeFor(request.clientName, []);
    return whenReady(firstFactor.groupsOf(resolved.name), (groups) =>
      policy.modeFor(request.clientName, groups),
    );
  };

  const inMode = (
    mode: SecondFactorMode,
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
  ): Decision | Promise<Decision> => {
    switch (mode) {
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
    const mode = modeFor(request, typed);
    return mode instanceof Promise
      ? mode.then((m) => inMode(m, request, typed, password))
      : inMode(mode, request, typed, password);
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
