// TOTP verification policy: step window around the learned drift, replay guard, drift update (RFC 6238 §5.2, §6).
import { codeValue } from './code-format.js';
import { hotpValueUnchecked } from './hotp.js';
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

/** What a TOTP token remembers between verifications (A6.2, A6.4). Store it after every success. */
export interface TotpState {
  /** The last accepted time step, −1 when none. Steps ≤ this are never accepted again. */
  readonly lastUsedStep: number;
  /** Learned clock drift of the token, in steps (token step − server step). */
  readonly drift: number;
}

/** State of a freshly enrolled token. */
export const initialTotpState: TotpState = Object.freeze({ lastUsedStep: -1, drift: 0 });

/** A6.1: TOTP codes have 6 or 8 digits. */
export type TotpDigits = 6 | 8;
const totpDigits: readonly OtpDigits[] = [6, 8];

export interface VerifyTotpArgs {
  readonly secret: Uint8Array;
  /** The code as typed; spaces are ignored (see codeValue). */
  readonly code: string;
  /** Server time in Unix seconds (the caller's clock port). */
  readonly nowSeconds: number;
  /** Seconds per step, 15–120 (A6.1: 30, 60 allowed). */
  readonly period: number;
  readonly digits: TotpDigits;
  readonly algorithm: OtpAlgorithm;
  /** ± steps around now + drift; default 1 (A6.1), at most OtpLimits.totpWindowMax. */
  readonly window?: number;
  readonly state: TotpState;
  /** Bound on |drift| in steps; default 10 minutes' worth (the resync range). */
  readonly maxDriftSteps?: number;
  /** Unix time of step 0; default 0. */
  readonly t0?: number;
}

export type VerifyTotpReason = 'CODE_FORMAT' | 'CODE_WRONG' | 'CODE_REPLAYED';

export type VerifyTotpResult =
  | { readonly ok: true; readonly step: number; readonly newState: TotpState }
  | { readonly ok: false; readonly reason: VerifyTotpReason };

const formatRefusal: VerifyTotpResult = Object.freeze({ ok: false, reason: 'CODE_FORMAT' });

/**
 * Clamps a drift to ±bound.
 * @param drift - steps
 * @param bound - ≥ 0
 * @returns drift limited to [−bound, bound]
 */
export function clampDrift(drift: number, bound: number): number {
  return Math.min(bound, Math.max(-bound, drift));
}

/**
 * Verifies a typed TOTP code. Never throws for any `code` value; throws only for bad parameters or state.
 *
 * Steps are tried nearest to now + drift first (earlier before later at equal distance), so a code that
 * happens to match two steps burns the fewest future codes. A wrong code always costs the whole window;
 * only a match returns early, which tells the caller nothing it did not send.
 * @param args - secret, typed code, server time, token parameters, window and stored state
 * @returns ok with the matched step and the state to store, or the reason for refusal
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for a bad secret, period, digits, algorithm, window or state
 */
export function verifyTotp(args: VerifyTotpArgs): VerifyTotpResult {
  const secret = assertSecret(args.secret);
  const digits = assertDigits(args.digits, totpDigits);
  const hmacName = nodeHmacName(assertAlgorithm(args.algorithm));
  const current = totpStep(args.nowSeconds, args.period, args.t0);
  const window = assertIntegerInRange('window', args.window ?? 1, 0, OtpLimits.totpWindowMax);
  const driftBound = assertIntegerInRange(
    'maxDriftSteps',
    args.maxDriftSteps ?? defaultDriftSteps(args.period),
    0,
    maxDriftSteps(args.period),
  );
  const lastUsedStep = assertIntegerInRange(
    'state.lastUsedStep',
    args.state.lastUsedStep,
    -1,
    Number.MAX_SAFE_INTEGER,
  );
  const storedDrift = assertIntegerInRange(
    'state.drift',
    args.state.drift,
    -Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );

  // A number, not a string: each candidate is then compared without building its code as text.
  const typed = codeValue(args.code, digits);
  if (typed < 0) {
    return formatRefusal;
  }

  // A stored drift beyond a since-tightened bound is clamped rather than trusted.
  const centre = current + clampDrift(storedDrift, driftBound);
  let replayed = false;
  // RFC 6238 §5.2: accept steps from centre − window to centre + window. Offsets run 0, −1, +1, −2, +2, …
  for (let i = 0; i <= 2 * window; i++) {
    const step = centre + (i % 2 === 1 ? -(i + 1) / 2 : i / 2);
    if (step < 0) {
      continue;
    }
    if (hotpValueUnchecked(secret, step, digits, hmacName) === typed) {
      // RFC 6238 §5.2 / A6.4: a code, or any code of an earlier step, is never accepted twice for a token.
      if (step > lastUsedStep) {
        // RFC 6238 §6: remember how many steps the token's clock is off, within the bound.
        const newState: TotpState = { lastUsedStep: step, drift: clampDrift(step - current, driftBound) };
        return { ok: true, step, newState };
      }
      replayed = true;
    }
  }
  return { ok: false, reason: replayed ? 'CODE_REPLAYED' : 'CODE_WRONG' };
}
