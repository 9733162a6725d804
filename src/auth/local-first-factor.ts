// Owns the local first factor: users and password hashes in Assent's own database.
import type { FirstFactorResult } from '../domain/first-factor.js';
import {
  type LoginUser,
  type LoginUserSource,
  type PasswordVerifier,
  StaleRequestError,
  type UserStore,
} from '../domain/ports.js';
import { Reason } from '../domain/reason.js';
import { type InternalErrorSink, logFieldsOf, type RequestContext } from '../domain/request-context.js';
import { UserStatus } from '../domain/user.js';

export interface LocalFirstFactorDeps {
  /** With `loginUser` (the server's cache), the parsed hash and the passed result are kept with each user. */
  readonly users: UserStore & Partial<LoginUserSource>;
  readonly passwords: PasswordVerifier;
  /** Replace legacy or outdated hashes with argon2id after a successful login (`passwords.upgradeLegacyHashes`). */
  readonly upgradeLegacyHashes: boolean;
  /** Told about failures that are not the caller's fault (a rehash that could not be stored). */
  readonly onInternalError?: InternalErrorSink;
}

/** The source name of local users in realms and identities. */
export const LOCAL_SOURCE = 'local';

export interface LocalFirstFactor {
  /** `context.deadline`: epoch ms after which the caller no longer waits (verification not started then is shed). */
  check(
    name: string,
    password: Uint8Array,
    context?: RequestContext,
  ): FirstFactorResult | Promise<FirstFactorResult>;
  groupsOf(name: string): readonly string[];
}

const fail = (reason: Reason, name: string): FirstFactorResult => ({ ok: false, reason, name });

/**
 * Checks a password against the local user table. Unknown users, users without a password and disabled users
 * cost a password verification too and end in the same Access-Reject on the wire (SECURITY A3.7); only the
 * reason differs, and that goes to the log. Salted SHA-2 hashes answer synchronously (no promise on the hot path).
 */
export function createLocalFirstFactor(deps: LocalFirstFactorDeps): LocalFirstFactor {
  const { users, passwords } = deps;

  const afterVerify = (entry: LoginUser, password: Uint8Array, ok: boolean): FirstFactorResult => {
    const user = entry.user;
    if (!ok) return fail(Reason.BadPassword, user.name);
    if (user.status !== UserStatus.Active) return fail(Reason.UserDisabled, user.name);
    if (deps.upgradeLegacyHashes && user.passwordHash !== null && passwords.needsRehash(user.passwordHash)) {
      upgradeHash(user.name, password);
    }
    // Built once per cached user: the groups are the cache's frozen array, so sharing the result is safe.
    let passed = entry.passed;
    if (passed === undefined) {
      const identity = Object.freeze({ name: user.name, groups: user.groups, source: LOCAL_SOURCE });
      passed = Object.freeze({ ok: true as const, identity });
      entry.passed = passed;
    }
    return passed;
  };

  const upgradeHash = (name: string, password: Uint8Array): void => {
    passwords
      .hash(password)
      .then((hash) => {
        users.setPasswordHash(name, hash);
      })
      .catch((error: unknown) => deps.onInternalError?.(error, 'rehash after login', { user: name }));
  };

  const dummy = (
    password: Uint8Array,
    reason: Reason,
    name: string,
    deadline: number | undefined,
  ): FirstFactorResult | Promise<FirstFactorResult> => {
    const result = passwords.verifyDummy(password, deadline);
    if (typeof result === 'boolean') return fail(reason, name);
    return result.then(
      () => fail(reason, name),
      (error: unknown) => fail(error instanceof StaleRequestError ? Reason.RequestStale : reason, name),
    );
  };

  const plainEntry = (name: string): LoginUser | undefined => {
    const user = users.getByName(name);
    return user === undefined ? undefined : { user, preparedHash: undefined, passed: undefined };
  };
  const entryOf: (name: string) => LoginUser | undefined =
    users.loginUser === undefined ? plainEntry : (name) => users.loginUser!(name);

  const lookup = (name: string, context?: RequestContext): LoginUser | undefined | Error => {
    try {
      return entryOf(name);
    } catch (error) {
      deps.onInternalError?.(error, 'user lookup', { user: name, ...logFieldsOf(context) });
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  return {
    check(name, password, context) {
      const deadline = context?.deadline;
      const entry = lookup(name, context);
      if (entry instanceof Error) return fail(Reason.InternalError, name);
      if (entry === undefined) return dummy(password, Reason.UserUnknown, name, deadline);
      const stored = entry.user.passwordHash;
      if (stored === null) return dummy(password, Reason.NoPassword, name, deadline);
      let prepared = entry.preparedHash;
      if (prepared === undefined && passwords.prepare !== undefined) {
        prepared = passwords.prepare(stored);
        entry.preparedHash = prepared;
      }
      const result = passwords.verify(prepared ?? stored, password, deadline);
      if (typeof result === 'boolean') return afterVerify(entry, password, result);
      return result.then(
        (ok) => afterVerify(entry, password, ok),
        (error: unknown) => {
          if (error instanceof StaleRequestError) return fail(Reason.RequestStale, name);
          deps.onInternalError?.(error, 'password verification', { user: name, ...logFieldsOf(context) });
          return fail(Reason.InternalError, name);
        },
      );
    },
    groupsOf(name) {
      const entry = lookup(name);
      return entry instanceof Error || entry === undefined ? [] : entry.user.groups;
    },
  };
}
