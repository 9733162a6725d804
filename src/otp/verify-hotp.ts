// HOTP verification policy: look-ahead window after the last used counter and replay guard (RFC 4226 §7.2, §7.4).
import { codeValue } from './code-format.js';
import { hotpValueUnchecked } from './hotp.js';
import { nodeHmacName, type OtpAlgorithm, type OtpDigits } from './otp-algorithm.js';
import {
  assertAlgorithm,
  assertDigits,
  assertIntegerInRange,
  assertSecret,
  OtpLimits,
} from './otp-parameters.js';

/** What an HOTP token remembers between verifications (A6.4). Store it after every success. */
export interface HotpState {
  /** The last accepted counter, −1 when none. Counters ≤ this are never accepted again. */
  readonly lastUsedCounter: number;
}

/** State of a freshly enrolled token whose next code is counter 0. */
export const initialHotpState: HotpState = Object.freeze({ lastUsedCounter: -1 });

const hotpDigits: readonly OtpDigits[] = [6, 7, 8];
// Counters stay plain numbers; leave room for look-ahead and resync above the last used one.
const maxLastUsedCounter = Number.MAX_SAFE_INTEGER - OtpLimits.hotpResyncWindowMax - 1;

export interface VerifyHotpArgs {
  readonly secret: Uint8Array;
  /** The code as typed; spaces are ignored (see codeValue). */
  readonly code: string;
  readonly digits: OtpDigits;
  readonly algorithm: OtpAlgorithm;
  /**
   * How many counters beyond the expected one (lastUsedCounter + 1) are also tried, for button presses that
   * never reached the server. Default 3 (A6.3), at most OtpLimits.hotpLookAheadMax.
   */
  readonly lookAhead?: number;
  readonly state: HotpState;
}

export type VerifyHotpReason = 'CODE_FORMAT' | 'CODE_WRONG' | 'CODE_REPLAYED';

export type VerifyHotpResult =
  | { readonly ok: true; readonly counter: number; readonly newState: HotpState }
  | { readonly ok: false; readonly reason: VerifyHotpReason };

const formatRefusal: VerifyHotpResult = Object.freeze({ ok: false, reason: 'CODE_FORMAT' });

/**
 * Checks the state's counter; shared with resync.
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
export function assertHotpState(state: HotpState): number {
  return assertIntegerInRange('state.lastUsedCounter', state.lastUsedCounter, -1, maxLastUsedCounter);
}

/**
 * Verifies a typed HOTP code. Never throws for any `code` value; throws only for bad parameters or state.
 *
 * Counters lastUsedCounter + 1 … lastUsedCounter + 1 + lookAhead are tried in order, and the first match wins:
 * the lowest counter burns the fewest future codes. When none matches, the last lookAhead + 1 used counters are
 * tried too, only to tell a replay (logged as such) from a wrong code; both are refused.
 * @param args - secret, typed code, token parameters, look-ahead and stored state
 * @returns ok with the matched counter and the state to store, or the reason for refusal
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for a bad secret, digits, algorithm, look-ahead or state
 */
export function verifyHotp(args: VerifyHotpArgs): VerifyHotpResult {
  const secret = assertSecret(args.secret);
  const digits = assertDigits(args.digits, hotpDigits);
  const hmacName = nodeHmacName(assertAlgorithm(args.algorithm));
  const lookAhead = assertIntegerInRange('lookAhead', args.lookAhead ?? 3, 0, OtpLimits.hotpLookAheadMax);
  const lastUsed = assertHotpState(args.state);

  // A number, not a string: each candidate is then compared without building its code as text.
  const typed = codeValue(args.code, digits);
  if (typed < 0) {
    return formatRefusal;
  }

  // RFC 4226 §7.4: the server computes the next values up to the look-ahead window and resynchronises on a match.
  for (let counter = lastUsed + 1; counter <= lastUsed + 1 + lookAhead; counter++) {
    if (hotpValueUnchecked(secret, counter, digits, hmacName) === typed) {
      // RFC 4226 §7.2 / A6.4: the counter moves past the accepted value, so this code is never valid again.
      return { ok: true, counter, newState: { lastUsedCounter: counter } };
    }
  }
  let replayed = false;
  for (let counter = Math.max(0, lastUsed - lookAhead); counter <= lastUsed; counter++) {
    replayed = hotpValueUnchecked(secret, counter, digits, hmacName) === typed || replayed;
  }
  return { ok: false, reason: replayed ? 'CODE_REPLAYED' : 'CODE_WRONG' };
}
