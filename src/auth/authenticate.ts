// Owns the first-factor login use case: a LoginRequest in, a Decision out (ARCHITECTURE §4).
import { accept, type Decision, reject } from '../domain/decision.js';
import type { PasswordVerifier, UserStore } from '../domain/ports.js';
import { Reason } from '../domain/reason.js';
import { type User, UserStatus } from '../domain/user.js';
import type { LoginRequest } from './login-request.js';

export interface AuthenticateDeps {
  readonly users: UserStore;
  readonly passwords: PasswordVerifier;
  /** Replace legacy or outdated hashes with argon2id after a successful login (`passwords.upgradeLegacyHashes`). */
  readonly upgradeLegacyHashes: boolean;
  /** Users with an enrolled second factor (tokens); a password alone never lets them in. */
  readonly secondFactors?: { has(userName: string): boolean };
  /** Told about failures that are not the caller's fault (a rehash that could not be stored). */
  readonly onInternalError?: (error: unknown, context: string) => void;
}

/** Returns a Decision now when every step is synchronous, or a promise when a step runs off the event loop. */
export type Authenticate = (request: LoginRequest) => Decision | Promise<Decision>;

/**
 * Builds the login use case. Unknown users, users without a password and disabled users cost a password
 * verification too and end in the same Access-Reject on the wire (SECURITY A3.7); only the reason differs, and
 * that goes to the log.
 */
export function createAuthenticate(deps: AuthenticateDeps): Authenticate {
  const { users, passwords } = deps;

  const afterVerify = (user: User, password: Uint8Array, ok: boolean): Decision => {
    if (!ok) return reject(Reason.BadPassword, user.name);
    if (user.status !== UserStatus.Active) return reject(Reason.UserDisabled, user.name);
    // Fail closed: the challenge flow that checks codes is not in this version, so the password is not enough.
    if (deps.secondFactors?.has(user.name)) return reject(Reason.SecondFactorUnavailable, user.name);
    if (deps.upgradeLegacyHashes && user.passwordHash !== null && passwords.needsRehash(user.passwordHash)) {
      upgradeHash(user.name, password);
    }
    return accept(user.name);
  };

  const upgradeHash = (name: string, password: Uint8Array): void => {
    passwords
      .hash(password)
      .then((hash) => {
        users.setPasswordHash(name, hash);
      })
      .catch((error: unknown) => deps.onInternalError?.(error, 'rehash after login'));
  };

  const dummy = (password: Uint8Array, reason: Reason, name: string): Decision | Promise<Decision> => {
    const result = passwords.verifyDummy(password);
    if (typeof result === 'boolean') return reject(reason, name);
    return result.then(
      () => reject(reason, name),
      () => reject(reason, name),
    );
  };

  return (request) => {
    if (request.userName === undefined) return reject(request.userNameProblem ?? Reason.UserNameMissing);
    const name = request.userName;
    // RFC 5080 §2.1.1, SECURITY A4.5: a State we never issued ends the login; it never starts a fresh one.
    if (request.state !== undefined) return reject(Reason.StateUnknown, name);
    const credential = request.credential;
    switch (credential.kind) {
      case 'chap':
        return reject(Reason.ChapUnsupported, name);
      case 'eap':
        return reject(Reason.EapUnsupported, name);
      case 'none':
        return reject(Reason.NoCredentials, name);
      case 'malformed':
        return reject(credential.reason, name);
      case 'password':
        break;
    }
    const password = credential.password;
    let user: User | undefined;
    try {
      user = users.getByName(name);
    } catch (error) {
      deps.onInternalError?.(error, 'user lookup');
      return reject(Reason.InternalError, name);
    }
    if (user === undefined) return dummy(password, Reason.UserUnknown, name);
    if (user.passwordHash === null) return dummy(password, Reason.NoPassword, name);
    const found = user;
    const result = passwords.verify(found.passwordHash!, password);
    if (typeof result === 'boolean') return afterVerify(found, password, result);
    return result.then(
      (ok) => afterVerify(found, password, ok),
      (error: unknown) => {
        deps.onInternalError?.(error, 'password verification');
        return reject(Reason.InternalError, name);
      },
    );
  };
}
