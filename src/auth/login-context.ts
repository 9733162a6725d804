// Owns what every step of the login use case shares: its deps, its clock, and the few helpers each step calls.
import type { ChallengeStore } from '../domain/challenge-session.js';
import { accept, type Decision, reject } from '../domain/decision.js';
import type { Identity } from '../domain/first-factor.js';
import { AMBIGUOUS_NAME, type AmbiguousName } from '../domain/name-key.js';
import { Reason } from '../domain/reason.js';
import type { RequestContext } from '../domain/request-context.js';
import type { SignInMethod } from '../domain/sign-in.js';
import type { AuthenticateDeps } from './authenticate.js';
import type { CodeResult } from './check-code.js';
import type { SecondFactorSettings } from './second-factor-policy.js';

/** Built once per `createAuthenticate`; each step destructures it once, so a login pays nothing to reach it. */
export interface LoginContext {
  readonly deps: AuthenticateDeps;
  readonly sessions: ChallengeStore;
  readonly settings: SecondFactorSettings;
  readonly clock: () => number;
  /** Tells `onInternalError` and refuses as INTERNAL_ERROR. */
  readonly internal: (
    error: unknown,
    what: string,
    request: RequestContext,
    name?: string,
    txn?: string,
  ) => Decision;
  readonly code: (
    name: string,
    typed: string,
    now: number,
    context: RequestContext,
  ) => CodeResult | Promise<CodeResult>;
  readonly acceptIdentity: (identity: Identity, via: SignInMethod, txn?: string) => Decision;
  readonly holding: (identity: Identity) => Identity | undefined | AmbiguousName;
}

export function createLoginContext(deps: AuthenticateDeps): LoginContext {
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

  /** The identity named as its tokens are held (issue 12); undefined when it holds none; AMBIGUOUS_NAME. */
  const holding = (identity: Identity): Identity | undefined | AmbiguousName => {
    const holder = deps.tokenHolders.holderOf(identity.name);
    if (holder === undefined || holder === AMBIGUOUS_NAME) return holder;
    return holder === identity.name ? identity : { ...identity, name: holder };
  };

  return {
    deps,
    sessions: deps.sessions,
    settings: deps.policy.settings,
    clock: deps.now ?? Date.now,
    internal,
    code,
    acceptIdentity,
    holding,
  };
}
