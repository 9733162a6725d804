// Resynchronisation of a drifted token from two consecutive codes in a bounded window (RFC 4226 §7.4, RFC 6238 §6).
import { codesEqual, normaliseCode } from './code-format.js';
import { hotpUnchecked } from './hotp.js';
import { nodeHmacName, type OtpAlgorithm, type OtpDigits } from './otp-algorithm.js';
import {
  assertAlgorithm,
  assertDigits,
  assertIntegerInRange,
  assertSecret,
  defaultDriftSteps,
  maxDriftSteps,
  OtpLimits,
} from './otp-parameters.js';
import { totpStep } from './totp.js';
import { assertHotpState, type HotpState } from './verify-hotp.js';
import type { TotpDigits, TotpState } from './verify-totp.js';

export interface ResyncHotpArgs {
  readonly secret: Uint8Array;
  /** Two codes the token showed one after the other. */
  readonly code1: string;
  readonly code2: string;
  readonly digits: OtpDigits;
  readonly algorithm: OtpAlgorithm;
  readonly state: HotpState;
  /** Counters searched after lastUsedCounter; default 100 (A6.3), at most OtpLimits.hotpResyncWindowMax. */
  readonly window?: number;
}

export type ResyncHotpResult =
  | { readonly ok: true; readonly counter: number; readonly newState: HotpState }
  | { readonly ok: false; readonly reason: 'CODE_FORMAT' | 'CODE_WRONG' };

export interface ResyncTotpArgs {
  readonly secret: Uint8Array;
  /** Two codes of consecutive steps, as the token showed them. */
  readonly code1: string;
  readonly code2: string;
  readonly nowSeconds: number;
  readonly period: number;
  readonly digits: TotpDigits;
  readonly algorithm: OtpAlgorithm;
  readonly state: TotpState;
  /** ± steps searched around now; default 10 minutes' worth. Use the same bound as verifyTotp's maxDriftSteps. */
  readonly rangeSteps?: number;
  readonly t0?: number;
}

export type ResyncTotpResult =
  | { readonly ok: true; readonly step: number; readonly newState: TotpState }
  | { readonly ok: false; readonly reason: 'CODE_FORMAT' | 'CODE_WRONG' | 'CODE_REPLAYED' };

const totpDigits: readonly OtpDigits[] = [6, 8];
const hotpDigits: readonly OtpDigits[] = [6, 7, 8];

/**
 * Resynchronises an HOTP token whose counter ran ahead beyond the look-ahead window: finds the first counter c
 * after lastUsedCounter with code1 at c and code2 at c + 1, within `window` counters. Never throws for any code.
 * @param args - secret, both codes, token parameters, stored state and search window
 * @returns ok with the counter of code2 and the state to store, or the reason for refusal
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for a bad secret, digits, algorithm, window or state
 */
export function resyncHotp(args: ResyncHotpArgs): ResyncHotpResult {
  const secret = assertSecret(args.secret);
  const digits = assertDigits(args.digits, hotpDigits);
  const hmacName = nodeHmacName(assertAlgorithm(args.algorithm));
  const window = assertIntegerInRange(
    'window',
    args.window ?? OtpLimits.hotpResyncWindowDefault,
    1,
    OtpLimits.hotpResyncWindowMax,
  );
  const lastUsed = assertHotpState(args.state);
  const first = normaliseCode(args.code1, digits);
  const second = normaliseCode(args.code2, digits);
  if (!first.ok || !second.ok) {
    return { ok: false, reason: 'CODE_FORMAT' };
  }

  // RFC 4226 §7.4: two consecutive values within a bounded window; only counters after the last used one (A6.4).
  let previous = hotpUnchecked(secret, lastUsed + 1, digits, hmacName);
  for (let counter = lastUsed + 1; counter <= lastUsed + window; counter++) {
    const next = hotpUnchecked(secret, counter + 1, digits, hmacName);
    // Both comparisons always run: no timing hint that code1 alone was right.
    const firstMatches = codesEqual(previous, first.code);
    const secondMatches = codesEqual(next, second.code);
    if (firstMatches && secondMatches) {
      return { ok: true, counter: counter + 1, newState: { lastUsedCounter: counter + 1 } };
    }
    previous = next;
  }
  return { ok: false, reason: 'CODE_WRONG' };
}

/**
 * Resynchronises a TOTP token whose clock drifted beyond the verification window: finds consecutive steps
 * s, s + 1 within ±rangeSteps of now with code1 at s and code2 at s + 1, and learns the drift from them.
 * Never throws for any code.
 * @param args - secret, both codes, server time, token parameters, stored state and search range
 * @returns ok with the step of code2 and the state to store, or the reason for refusal
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for a bad secret, period, digits, algorithm, range or state
 */
export function resyncTotp(args: ResyncTotpArgs): ResyncTotpResult {
  const secret = assertSecret(args.secret);
  const digits = assertDigits(args.digits, totpDigits);
  const hmacName = nodeHmacName(assertAlgorithm(args.algorithm));
  const current = totpStep(args.nowSeconds, args.period, args.t0);
  const range = assertIntegerInRange(
    'rangeSteps',
    args.rangeSteps ?? defaultDriftSteps(args.period),
    1,
    maxDriftSteps(args.period),
  );
  const lastUsed = assertIntegerInRange(
    'state.lastUsedStep',
    args.state.lastUsedStep,
    -1,
    Number.MAX_SAFE_INTEGER,
  );
  const first = normaliseCode(args.code1, digits);
  const second = normaliseCode(args.code2, digits);
  if (!first.ok || !second.ok) {
    return { ok: false, reason: 'CODE_FORMAT' };
  }

  let replayed = false;
  const start = Math.max(0, current - range);
  let previous = hotpUnchecked(secret, start, digits, hmacName);
  // RFC 6238 §6: a bounded search for the token's clock; the pair must lie entirely inside ±range of now.
  for (let step = start; step < current + range; step++) {
    const next = hotpUnchecked(secret, step + 1, digits, hmacName);
    const firstMatches = codesEqual(previous, first.code);
    const secondMatches = codesEqual(next, second.code);
    if (firstMatches && secondMatches) {
      // A6.4: code1 must itself be unused; a pair that starts at or before the last used step is a replay.
      if (step > lastUsed) {
        return { ok: true, step: step + 1, newState: { lastUsedStep: step + 1, drift: step + 1 - current } };
      }
      replayed = true;
    }
    previous = next;
  }
  return { ok: false, reason: replayed ? 'CODE_REPLAYED' : 'CODE_WRONG' };
}
