// Owns checking a password and/or a code for an application (`POST /api/v1/auth/`, docs/api.md, PROTOCOL §4.3).
import type { AccountLockout, AccountLockoutStore } from '../domain/account-lockout.js';
import { accept, type Decision, reject } from '../domain/decision.js';
import type { FirstFactor, FirstFactorResult } from '../domain/first-factor.js';
import { Reason } from '../domain/reason.js';
import type { RequestContext } from '../domain/request-context.js';
import type { Authenticate } from './authenticate.js';
import type { LoginRequest } from './login-request.js';

/**
 * The two policy clients the API's own login instance is built with: a password with its code after it goes the
 * `concat` way, a code alone the `otp-only` way, so splitting, lockouts, replay guard and token names follow
 * exactly the rules RADIUS logins follow (no rule written twice).
 */
export const API_CONCAT_CLIENT = 'api:password+code';
export const API_CODE_CLIENT = 'api:code';

export interface CredentialsInput {
  readonly username: string;
  /** Absent: no password check. */
  readonly password?: string | undefined;
  /** Absent: no code check; empty with a password: the code is at the end of `password`. */
  readonly tokenCode?: string | undefined;
  /** Names the check in every log line (the `txn` of docs/operations.md). */
  readonly transactionId: string;
  /** The API key's name: the `client` of log lines, as a NAS name is for RADIUS. */
  readonly caller: string;
}

export interface CheckCredentialsDeps {
  /** Where passwords are checked: local users only by default (FortiAuthenticator's behaviour), or every source. */
  readonly firstFactor: FirstFactor;
  /** A login use case built on `firstFactor` whose policy maps the two API clients above to their modes. */
  readonly authenticate: Authenticate;
  /** SECURITY A6.5: a locked account is refused on every path, the password alone included. */
  readonly lockouts: Pick<AccountLockoutStore, 'get'>;
  readonly now?: () => number;
}

export type CheckCredentials = (input: CredentialsInput) => Decision | Promise<Decision>;

const utf8 = new TextEncoder();
/** RFC 2865 §5.2 bounds a RADIUS password to 128 octets; the API holds to the same so both paths agree. */
const MAX_PASSWORD_OCTETS = 128;

/**
 * A password alone, for a caller that asks nothing more of it here (the REST API's password-only check, the
 * portal's first step): the first factor, then the account lock. Never throws for expected failures.
 */
export type CheckPassword = (
  username: string,
  password: string,
  context: RequestContext,
) => FirstFactorResult | Promise<FirstFactorResult>;

/** Builds the password-only check shared by the REST API and the portal (one rule set, SECURITY A6.5, A6.7). */
export function createCheckPassword(
  deps: Pick<CheckCredentialsDeps, 'firstFactor' | 'lockouts' | 'now'>,
): CheckPassword {
  const unlessLocked = (
    name: string,
    result: FirstFactorResult,
    account: AccountLockout | undefined,
  ): FirstFactorResult => {
    const until = account?.lockedUntil;
    const at = new Date((deps.now ?? Date.now)()).toISOString();
    // A6.7: after the password, so a locked account looks like any other failure to the caller.
    if (until != null && until > at) return { ok: false, reason: Reason.AccountLocked, name };
    return result;
  };
  const decide = (result: FirstFactorResult): FirstFactorResult | Promise<FirstFactorResult> => {
    if (!result.ok) return result;
    const name = result.identity.name;
    const account = deps.lockouts.get(name);
    return account instanceof Promise
      ? account.then((read) => unlessLocked(name, result, read))
      : unlessLocked(name, result, account);
  };
  return (username, password, context) => {
    const octets = utf8.encode(password);
    if (octets.length > MAX_PASSWORD_OCTETS) return { ok: false, reason: Reason.UserPasswordMalformed };
    const checked = deps.firstFactor.check(username, octets, context);
    return checked instanceof Promise ? checked.then(decide) : decide(checked);
  };
}

/**
 * PROTOCOL §4.3: both given → password, then code; `token_code` empty → code concatenated to the password; only a
 * password → the password alone (the caller asked for nothing more); only a code → the code alone. A user without
 * tokens fails any code; a token-only user fails any password.
 */
export function createCheckCredentials(deps: CheckCredentialsDeps): CheckCredentials {
  const login = (input: CredentialsInput, clientName: string, password: Uint8Array): LoginRequest => ({
    userName: input.username,
    userNameProblem: undefined,
    credential: { kind: 'password', password },
    state: undefined,
    clientName,
    transactionId: input.transactionId,
  });

  const checkPassword = createCheckPassword(deps);
  return (input) => {
    const { password, tokenCode } = input;
    if (password === undefined && (tokenCode === undefined || tokenCode === '')) {
      return reject(Reason.NoCredentials, input.username, input.transactionId);
    }
    const passwordOctets = password === undefined ? undefined : utf8.encode(password);
    const code = tokenCode ?? '';
    if (passwordOctets !== undefined && passwordOctets.length > MAX_PASSWORD_OCTETS) {
      return reject(Reason.UserPasswordMalformed, input.username, input.transactionId);
    }
    if (passwordOctets === undefined) {
      return deps.authenticate(login(input, API_CODE_CLIENT, utf8.encode(code)));
    }
    if (tokenCode === undefined) {
      const context = { clientName: input.caller, transactionId: input.transactionId };
      const checked = checkPassword(input.username, password!, context);
      const decide = (result: FirstFactorResult): Decision =>
        result.ok
          ? accept(result.identity.name, [], input.transactionId, 'password')
          : reject(result.reason, result.name ?? input.username, input.transactionId);
      return checked instanceof Promise ? checked.then(decide) : decide(checked);
    }
    const joined = utf8.encode(password + code);
    return deps.authenticate(login(input, API_CONCAT_CLIENT, joined));
  };
}
