// Owns the `concat` and `otp-only` modes (PROTOCOL P6): the code comes in the Access-Request itself, so the login
// is decided without a challenge.
import { whenReady } from '../domain/awaitable.js';
import { type Decision, reject } from '../domain/decision.js';
import type { FirstFactorResult, Identity } from '../domain/first-factor.js';
import { AMBIGUOUS_NAME } from '../domain/name-key.js';
import { Reason } from '../domain/reason.js';
import { digitsText } from '../otp/code-format.js';
import type { CodeResult } from './check-code.js';
import type { LoginContext } from './login-context.js';
import type { LoginRequest } from './login-request.js';
import type { WithoutSecondFactor } from './without-second-factor.js';

export type SingleRequestModes = ReturnType<typeof createSingleRequestModes>;

const utf8 = new TextDecoder();
const NO_LENGTHS: readonly number[] = Object.freeze([]);

export function createSingleRequestModes(ctx: LoginContext, withoutSecondFactor: WithoutSecondFactor) {
  const { deps, settings, clock, code, acceptIdentity, holding } = ctx;
  const { firstFactor, policy } = deps;

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
      return whenReady(firstFactor.groupsOf(name), (groups) =>
        acceptIdentity({ name, groups, source: 'token' }, checked.type),
      );
    });
  };

  return { concat, otpOnly };
}
