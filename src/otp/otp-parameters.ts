// Bounds on OTP parameters (period, windows, secrets) and the error thrown when a caller breaks them.
import { isOtpAlgorithm, isOtpDigits, type OtpAlgorithm, type OtpDigits } from './otp-algorithm.js';

/**
 * Policy limits. Parameters come from configuration or the token store, never from the wire, so breaking one is
 * a programming or data error (thrown), unlike a typed code (returned as a reason).
 */
export const OtpLimits = {
  /** STYLE.md: "TOTP period 15–120". A6.1 uses 30 (60 allowed). */
  periodMinSeconds: 15,
  periodMaxSeconds: 120,
  /** A6.1: default ±1 step; wider windows are explicit policy, but never more than this. */
  totpWindowMax: 10,
  /** A6.3: HOTP look-ahead 3 by default. */
  hotpLookAheadMax: 20,
  /** A6.3: resync window 100 counts by default. */
  hotpResyncWindowDefault: 100,
  hotpResyncWindowMax: 1000,
  /** RFC 6238 §6: how far a token clock may have drifted before resync refuses; also bounds learned drift. */
  driftSpanSecondsDefault: 600,
  driftSpanSecondsMax: 86_400,
  /** A6.6 / RFC 4226 §4 R6: seeds we create are at least 128 bits. */
  generatedSecretMinBytes: 16,
  generatedSecretMaxBytes: 64,
  /** Legacy tokens with 80-bit seeds (e.g. `JBSWY3DPEHPK3PXP`) must still import (RFC 4226 §4 asks for 128 bits, but common authenticators ship 80). */
  importedSecretMinBytes: 10,
} as const;

/** Thrown when a caller passes a parameter outside {@link OtpLimits} or of the wrong type. */
export class OtpParameterError extends RangeError {
  readonly code = 'OTP_BAD_PARAMETER' as const;

  constructor(message: string) {
    super(message);
    this.name = 'OtpParameterError';
  }
}

/**
 * Checks that a value is an integer within [min, max].
 * @throws {OtpParameterError} OTP_BAD_PARAMETER naming the parameter, the range and the value
 */
export function assertIntegerInRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OtpParameterError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a TOTP period in seconds against {@link OtpLimits}.
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
export function assertPeriod(period: unknown): number {
  return assertIntegerInRange('period', period, OtpLimits.periodMinSeconds, OtpLimits.periodMaxSeconds);
}

/**
 * Checks the algorithm name.
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
export function assertAlgorithm(algorithm: unknown): OtpAlgorithm {
  if (!isOtpAlgorithm(algorithm)) {
    throw new OtpParameterError(`algorithm must be SHA1, SHA256 or SHA512, got ${String(algorithm)}`);
  }
  return algorithm;
}

/**
 * Checks a digit count against the allowed set (6|7|8 for HOTP, 6|8 for TOTP per A6.1).
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
export function assertDigits(digits: unknown, allowed: readonly OtpDigits[]): OtpDigits {
  if (!isOtpDigits(digits) || !allowed.includes(digits)) {
    throw new OtpParameterError(`digits must be one of ${allowed.join('|')}, got ${String(digits)}`);
  }
  return digits;
}

/**
 * Checks that a secret is a non-empty byte array. Length policy (A6.6) belongs to enrolment and import.
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
export function assertSecret(secret: unknown): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length === 0) {
    throw new OtpParameterError('secret must be a non-empty Uint8Array');
  }
  return secret;
}

/**
 * Checks a time in Unix seconds (fractions allowed, as from `Date.now() / 1000`).
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
export function assertUnixSeconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new OtpParameterError(`${name} must be a finite number of seconds >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * The default drift/resync bound in steps for a period: RFC 6238 §6 suggests a bounded search; we use 10 minutes.
 * @param period - seconds per step, already checked
 * @returns whole steps in {@link OtpLimits.driftSpanSecondsDefault}, at least 1
 */
export function defaultDriftSteps(period: number): number {
  return Math.max(1, Math.floor(OtpLimits.driftSpanSecondsDefault / period));
}

/**
 * The largest drift/resync bound a caller may configure for a period.
 * @param period - seconds per step, already checked
 * @returns whole steps in {@link OtpLimits.driftSpanSecondsMax}
 */
export function maxDriftSteps(period: number): number {
  return Math.floor(OtpLimits.driftSpanSecondsMax / period);
}
