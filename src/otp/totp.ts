// TOTP time steps and values (RFC 6238 §4): HOTP with the counter T = floor((time − T0) / X).

import { hotpUnchecked } from './hotp.js';
import { nodeHmacName, type OtpAlgorithm, type OtpDigits } from './otp-algorithm.js';
import {
  assertAlgorithm,
  assertDigits,
  assertPeriod,
  assertSecret,
  assertUnixSeconds,
  OtpParameterError,
} from './otp-parameters.js';

const allDigits: readonly OtpDigits[] = [6, 7, 8];

/** Parameters of a TOTP token. */
export interface TotpOptions {
  readonly digits: OtpDigits;
  /** Time step X in seconds (15–120; A6.1: 30, 60 allowed). */
  readonly period: number;
  readonly algorithm: OtpAlgorithm;
  /** T0, the Unix time at which step 0 starts; RFC 6238 §4.1 default 0. */
  readonly t0?: number;
}

/**
 * The time step containing a moment (RFC 6238 §4.2).
 * @param unixSeconds - the moment, in Unix seconds (fractions allowed); time is a parameter, this module has no clock
 * @param period - time step X in seconds (15–120)
 * @param t0 - Unix time of step 0 (default 0)
 * @returns T = floor((unixSeconds − t0) / period)
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for a bad period, a time before t0 or a step beyond 2^53
 */
export function totpStep(unixSeconds: number, period: number, t0 = 0): number {
  assertPeriod(period);
  assertUnixSeconds('unixSeconds', unixSeconds);
  assertUnixSeconds('t0', t0);
  // RFC 6238 §4.2: T uses the floor function, so the first second of a step already belongs to it.
  const step = Math.floor((unixSeconds - t0) / period);
  if (step < 0 || !Number.isSafeInteger(step)) {
    throw new OtpParameterError(
      `time step must be a safe integer >= 0, got ${step} (time before t0 or too far)`,
    );
  }
  return step;
}

/**
 * Generates the TOTP value for a moment (RFC 6238 §4.2: TOTP = HOTP(K, T)).
 * @param secret - shared secret K
 * @param unixSeconds - the moment, in Unix seconds
 * @param options - digits, period, algorithm and optional t0
 * @returns the code, zero-padded to `digits`
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for any bad parameter
 */
export function generateTotp(secret: Uint8Array, unixSeconds: number, options: TotpOptions): string {
  assertSecret(secret);
  const digits = assertDigits(options.digits, allDigits);
  const hmacName = nodeHmacName(assertAlgorithm(options.algorithm));
  const step = totpStep(unixSeconds, options.period, options.t0);
  return hotpUnchecked(secret, step, digits, hmacName);
}
