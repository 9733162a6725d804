// Owns checking a typed second-factor code against a user's tokens, with replay guard and lockout (SECURITY A6).
import type { AccountLockout, AccountLockoutStore } from '../domain/account-lockout.js';
import type { Awaitable } from '../domain/awaitable.js';
import { Reason } from '../domain/reason.js';
import type { RequestContext } from '../domain/request-context.js';
import {
  BACKUP_CODE_DIGITS,
  hashBackupCode,
  type Token,
  type TokenStore,
  type TokenSuccess,
  TokenType,
} from '../domain/token.js';
import { shareSecret } from '../domain/token-admission.js';
import type { OtpDigits } from '../otp/otp-algorithm.js';
import { verifyHotp } from '../otp/verify-hotp.js';
import { type TotpDigits, verifyTotp } from '../otp/verify-totp.js';

export interface CodePolicy {
  readonly totpWindow: number;
  readonly hotpLookAhead: number;
  readonly lockoutFailures: number;
  readonly lockoutSeconds: number;
}

/** Something an operator must be able to find later: a lock set on a token or an account (A6.5). */
export interface LockoutEvent {
  readonly user: string;
  readonly serial?: string;
  readonly failures: number;
  readonly lockedUntil: string;
}

export interface CheckCodeDeps {
  readonly tokens: TokenStore;
  readonly lockouts: AccountLockoutStore;
  readonly policy: CodePolicy;
  /** `context`: the request whose failure set the lock, so the audit line carries its txn and client. */
  readonly onLockout?: (event: LockoutEvent, context: RequestContext | undefined) => void;
  /**
   * The replay-guard compare-and-set; defaults to `tokens.recordSuccess`. A store that batches writes returns
   * false (memory already says replay) or a promise of the durable verdict (group commit).
   */
  readonly recordSuccess?: (serial: string, success: TokenSuccess) => boolean | Promise<boolean>;
}

export type CodeResult =
  /** `type`: which kind of token matched (the sign-in history's "how"). */
  | { readonly ok: true; readonly serial: string; readonly type: TokenType }
  | { readonly ok: false; readonly reason: Reason };

/**
 * A token's answer to a code. A promise is the store's answer that comes later: for an OTP token the durable
 * replay-guard verdict (false: a replay), for a backup token whether the code was an unused one (false: wrong).
 */
type TryResult = 'ok' | 'wrong' | 'replayed' | Promise<boolean>;

/**
 * Issue 12: the replay guard holds per user and secret, not only per token. Tokens stored before the store
 * refused copied secrets may share one; only the oldest of them is tried, so a code its guard refused as used
 * cannot pass through a copy whose guard has not seen it (and a lock on it is not sidestepped either).
 */
function firstOfEachSecret(tokens: readonly Token[]): readonly Token[] {
  const kept: Token[] = [];
  for (const token of tokens) {
    if (!kept.some((k) => shareSecret(k, token))) kept.push(token);
  }
  return kept.length === tokens.length ? tokens : kept;
}

function isLocked(token: Token, nowMs: number): boolean {
  return token.lockedUntil !== null && Date.parse(token.lockedUntil) > nowMs;
}

/** A lock doubles with each further lock of the account, up to a day (A6.5 "growing delay"). */
const MAX_LOCK_SECONDS = 86_400;

/**
 * Checks a typed code for a user. Synchronous unless the replay-guard write is batched or a store answers with
 * promises; then a promise that settles when the use of the code is durable and the failure counts are written.
 * Throws (or rejects) only for store failures.
 */
export type CheckCode = (
  userName: string,
  code: string,
  now: Date,
  context?: RequestContext,
) => CodeResult | Promise<CodeResult>;

/**
 * Builds the code check. A code is tried against every unlocked token of the user; the first match is recorded
 * with the store's compare-and-set, so a code is accepted once even when two requests race or after a restart
 * (A6.4). A miss counts one failure on each unlocked OTP token and on the account; reaching the limit locks them.
 */
export function createCheckCode(deps: CheckCodeDeps): CheckCode {
  const { tokens, lockouts, policy } = deps;
  const recordSuccess = deps.recordSuccess ?? ((serial, success) => tokens.recordSuccess(serial, success));

  const lockUntil = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

  // Each step below continues at once with a value and after the store's promise with one, so the synchronous
  // case allocates no promise and no closure; a promise resumes the same step with what it brought.

  /** One failure on each unlocked OTP token from `from` on, then on the account; reaching the limit locks. */
  const countFailure = (
    userName: string,
    unlocked: readonly Token[],
    from: number,
    now: Date,
    context: RequestContext | undefined,
  ): Awaitable<void> => {
    for (let i = from; i < unlocked.length; i++) {
      const token = unlocked[i]!;
      if (token.type === TokenType.Backup) continue;
      const failures = tokens.recordFailure(token.serial, now);
      const locking =
        failures instanceof Promise
          ? failures.then((counted) => lockToken(userName, token, counted, now, context))
          : lockToken(userName, token, failures, now, context);
      if (locking instanceof Promise)
        return locking.then(() => countFailure(userName, unlocked, i + 1, now, context));
    }
    const failures = lockouts.recordFailure(userName, now);
    return failures instanceof Promise
      ? failures.then((counted) => lockAccount(userName, counted, now, context))
      : lockAccount(userName, failures, now, context);
  };

  /** `failures`: the token's new count, as the store returned it (undefined: the token is gone). */
  const lockToken = (
    userName: string,
    token: Token,
    failures: number | undefined,
    now: Date,
    context: RequestContext | undefined,
  ): Awaitable<void> => {
    if (failures === undefined || failures < policy.lockoutFailures) return;
    const until = lockUntil(now, policy.lockoutSeconds);
    const locked = tokens.setLockedUntil(token.serial, until);
    const event: LockoutEvent = { user: userName, serial: token.serial, failures, lockedUntil: until };
    if (locked instanceof Promise) return locked.then(() => deps.onLockout?.(event, context));
    deps.onLockout?.(event, context);
  };

  /** `failures`: the account's new count, as the store returned it. */
  const lockAccount = (
    userName: string,
    failures: number,
    now: Date,
    context: RequestContext | undefined,
  ): Awaitable<void> => {
    if (failures < policy.lockoutFailures) return;
    const account = lockouts.get(userName);
    return account instanceof Promise
      ? account.then((read) => lockAccountFor(userName, failures, read?.locks ?? 0, now, context))
      : lockAccountFor(userName, failures, account?.locks ?? 0, now, context);
  };

  const lockAccountFor = (
    userName: string,
    failures: number,
    locks: number,
    now: Date,
    context: RequestContext | undefined,
  ): Awaitable<void> => {
    const seconds = Math.min(MAX_LOCK_SECONDS, policy.lockoutSeconds * 2 ** Math.min(locks, 20));
    const until = lockUntil(now, seconds);
    const locked = lockouts.lock(userName, until);
    const event: LockoutEvent = { user: userName, failures, lockedUntil: until };
    if (locked instanceof Promise) return locked.then(() => deps.onLockout?.(event, context));
    deps.onLockout?.(event, context);
  };

  /** A match is final: clear the failure counts that a success resets (A6.5). */
  const succeeded = (userName: string, hadAccount: boolean, token: Token): Awaitable<CodeResult> => {
    const result: CodeResult = { ok: true, serial: token.serial, type: token.type };
    const reset =
      token.failures > 0 || token.lockedUntil !== null ? tokens.resetFailures(token.serial) : false;
    const cleared = hadAccount ? lockouts.reset(userName) : false;
    if (reset instanceof Promise || cleared instanceof Promise)
      return Promise.all([reset, cleared]).then(() => result);
    return result;
  };

  const failed = (
    userName: string,
    unlocked: readonly Token[],
    now: Date,
    replayed: boolean,
    context: RequestContext | undefined,
  ): Awaitable<CodeResult> => {
    const result: CodeResult = { ok: false, reason: replayed ? Reason.CodeReplayed : Reason.CodeWrong };
    const counted = countFailure(userName, unlocked, 0, now, context);
    return counted instanceof Promise ? counted.then(() => result) : result;
  };

  /** Tries the code on the unlocked tokens from `from` on; `replayed`: an earlier one knew it as used. */
  const tryFrom = (
    userName: string,
    code: string,
    now: Date,
    context: RequestContext | undefined,
    hadAccount: boolean,
    unlocked: readonly Token[],
    from: number,
    replayed: boolean,
  ): Awaitable<CodeResult> => {
    for (let i = from; i < unlocked.length; i++) {
      const token = unlocked[i]!;
      const result = tryToken(token, code, now);
      if (result === 'wrong') continue;
      if (result === 'replayed') {
        replayed = true;
        continue;
      }
      if (result === 'ok') return succeeded(userName, hadAccount, token);
      // A backup code the store did not know may still be another token's code: the search goes on.
      if (token.type === TokenType.Backup) {
        return result.then((used) =>
          used
            ? succeeded(userName, hadAccount, token)
            : tryFrom(userName, code, now, context, hadAccount, unlocked, i + 1, replayed),
        );
      }
      // Group commit: the verdict comes when the batch holding this use is durable.
      return result.then((durable) =>
        durable ? succeeded(userName, hadAccount, token) : failed(userName, unlocked, now, true, context),
      );
    }
    return failed(userName, unlocked, now, replayed, context);
  };

  const checkTokens = (
    userName: string,
    code: string,
    now: Date,
    context: RequestContext | undefined,
    hadAccount: boolean,
    listed: readonly Token[],
  ): Awaitable<CodeResult> => {
    if (listed.length === 0) return { ok: false, reason: Reason.NoToken };
    const nowMs = now.getTime();
    // Most users hold one token: nothing to compare then.
    const all = listed.length === 1 ? listed : firstOfEachSecret(listed);
    const unlocked = all.some((token) => isLocked(token, nowMs))
      ? all.filter((token) => !isLocked(token, nowMs))
      : all;
    if (unlocked.length === 0) return { ok: false, reason: Reason.TokenLocked };
    return tryFrom(userName, code, now, context, hadAccount, unlocked, 0, false);
  };

  const checkAccount = (
    userName: string,
    code: string,
    now: Date,
    context: RequestContext | undefined,
    account: AccountLockout | undefined,
  ): Awaitable<CodeResult> => {
    // A6.7: a locked account is refused before any code is looked at; the wire reply is the same as a miss.
    if (account?.lockedUntil && Date.parse(account.lockedUntil) > now.getTime())
      return { ok: false, reason: Reason.AccountLocked };
    const hadAccount = account !== undefined;
    const listed = tokens.listForUser(userName);
    return listed instanceof Promise
      ? listed.then((read) => checkTokens(userName, code, now, context, hadAccount, read))
      : checkTokens(userName, code, now, context, hadAccount, listed);
  };

  // Hot path: no closure is created per call unless a store or the group commit answers later.
  return (userName, code, now, context) => {
    const account = lockouts.get(userName);
    return account instanceof Promise
      ? account.then((read) => checkAccount(userName, code, now, context, read))
      : checkAccount(userName, code, now, context, account);
  };

  /** 'ok' only after the store's compare-and-set moved the replay guard past this code. */
  function tryToken(token: Token, code: string, now: Date): TryResult {
    switch (token.type) {
      case TokenType.Totp: {
        const result = verifyTotp({
          secret: token.secret,
          code,
          nowSeconds: Math.floor(now.getTime() / 1000),
          period: token.period,
          digits: token.digits as TotpDigits,
          algorithm: token.algorithm,
          window: policy.totpWindow,
          state: { lastUsedStep: token.lastUsed, drift: token.drift },
        });
        if (!result.ok) return result.reason === 'CODE_REPLAYED' ? 'replayed' : 'wrong';
        return record(token, result.step, result.newState.drift);
      }
      case TokenType.Hotp: {
        const result = verifyHotp({
          secret: token.secret,
          code,
          digits: token.digits as OtpDigits,
          algorithm: token.algorithm,
          lookAhead: policy.hotpLookAhead,
          state: { lastUsedCounter: token.lastUsed },
        });
        if (!result.ok) return result.reason === 'CODE_REPLAYED' ? 'replayed' : 'wrong';
        return record(token, result.counter, 0);
      }
      case TokenType.Backup: {
        const digits = code.replace(/[\s-]/g, '');
        if (digits.length !== BACKUP_CODE_DIGITS || !/^\d+$/.test(digits)) return 'wrong';
        const used = tokens.useBackupCode(token.serial, hashBackupCode(token.secret, digits), now);
        // Compared with each literal: the narrowing to the promise that is left is plain to the linter too.
        if (used === true) return 'ok';
        if (used === false) return 'wrong';
        return used;
      }
    }
  }

  function record(token: Token, used: number, drift: number): TryResult {
    // RFC 6238 §5.2, A6.4: the store moves lastUsed only if nobody else did since we read it.
    const moved = recordSuccess(token.serial, { expectedLastUsed: token.lastUsed, newLastUsed: used, drift });
    if (moved === true) return 'ok';
    if (moved === false) return 'replayed';
    return moved;
  }
}
