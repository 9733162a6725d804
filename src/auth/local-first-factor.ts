// Owns the local first factor: users and password hashes in Assent's own database.
import type { Awaitable } from '../domain/awaitable.js';
import type { FirstFactorResult } from '../domain/first-factor.js';
import { type LoginUser, type PasswordVerifier, StaleRequestError, type UserStore } from '../domain/ports.js';
import { Reason } from '../domain/reason.js';
import { type InternalErrorSink, logFieldsOf, type RequestContext } from '../domain/request-context.js';
import { type User, UserStatus } from '../domain/user.js';

export interface LocalFirstFactorDeps {
  /**
   * With `loginUser` (the server's cache), the parsed hash is kept with each user; it
   * answers at once from memory, or later when the user must be read from a store that answers with promises.
   */
  readonly users: UserStore & { loginUser?(name: string): Awaitable<LoginUser | undefined> };
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
  groupsOf(name: string): Awaitable<readonly string[]>;
}

const fail = (reason: Reason, name: string): FirstFactorResult => ({ ok: false, reason, name });

const NO_GROUPS: readonly string[] = Object.freeze([]);

/** An unknown user has no groups; a store that failed (already reported) fails closed. */
function groupsOfEntry(entry: LoginUser | undefined | Error): readonly string[] {
  if (entry instanceof Error) throw entry;
  return entry === undefined ? NO_GROUPS : entry.user.groups;
}

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
    // Built per login, not kept with the user: a result kept from each user's first login grew the heap through
    // a morning rush of first logins (objects promoted, pages faulted in), while two short-lived objects per login
    // cost the young generation next to nothing (docs/performance.md, 2026-12-07).
    return { ok: true, identity: { name: user.name, groups: user.groups, source: LOCAL_SOURCE } };
  };

  const upgradeHash = (name: string, password: Uint8Array): void => {
    passwords
      .hash(password)
      .then((hash) => users.setPasswordHash(name, hash))
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

  const entryFor = (user: User | undefined): LoginUser | undefined =>
    user === undefined ? undefined : { user, preparedHash: undefined };
  const plainEntry = (name: string): Awaitable<LoginUser | undefined> => {
    const user = users.getByName(name);
    return user instanceof Promise ? user.then(entryFor) : entryFor(user);
  };
  const entryOf: (name: string) => Awaitable<LoginUser | undefined> =
    users.loginUser === undefined ? plainEntry : (name) => users.loginUser!(name);

  const lookupFailed = (error: unknown, name: string, context: RequestContext | undefined): Error => {
    deps.onInternalError?.(error, 'user lookup', { user: name, ...logFieldsOf(context) });
    return error instanceof Error ? error : new Error(String(error));
  };

  /** The user's entry, or the Error the store failed with (already reported); a promise when it answers later. */
  const lookup = (
    name: string,
    context?: RequestContext,
  ): LoginUser | undefined | Error | Promise<LoginUser | undefined | Error> => {
    try {
      const entry = entryOf(name);
      if (!(entry instanceof Promise)) return entry;
      return entry.catch((error: unknown) => lookupFailed(error, name, context));
    } catch (error) {
      return lookupFailed(error, name, context);
    }
  };

  const checkEntry = (
    entry: LoginUser | undefined | Error,
    name: string,
    password: Uint8Array,
    context: RequestContext | undefined,
  ): FirstFactorResult | Promise<FirstFactorResult> => {
    const deadline = context?.deadline;
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
  };

  return {
    check(name, password, context) {
      const entry = lookup(name, context);
      return entry instanceof Promise
        ? entry.then((found) => checkEntry(found, name, password, context))
        : checkEntry(entry, name, password, context);
    },
    groupsOf(name) {
      // A promise when the user is read first: over PostgreSQL, a user some node changed since the login index
      // read it (a new password hash, new groups) is read again at its next use.
      const entry = lookup(name);
      return entry instanceof Promise ? entry.then(groupsOfEntry) : groupsOfEntry(entry);
    },
  };
}
