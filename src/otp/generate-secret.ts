// New OTP seeds from the platform CSPRNG (A6.6; RFC 4226 §4 R6, §7.5).
import { Secret } from 'otpauth';
import { assertIntegerInRange, OtpLimits } from './otp-parameters.js';

/** RFC 4226 §4 R6 recommends 160 bits; A6.6 uses that as the default. */
export const defaultSecretBytes = 20;

/**
 * Creates a random secret for a new token. otpauth draws it from node:crypto randomBytes (a CSPRNG).
 * This is the only function in `src/otp` with an effect (it reads the CSPRNG); everything else is deterministic.
 * @param bytes - seed length, 16–64 (A6.6: at least 128 bits); default 20 (160 bits)
 * @returns a fresh Uint8Array that shares no memory with anything else
 * @throws {OtpParameterError} OTP_BAD_PARAMETER when `bytes` is outside 16–64
 */
export function generateSecret(bytes: number = defaultSecretBytes): Uint8Array {
  // A6.6 / RFC 4226 §4 R6: the shared secret is at least 128 bits.
  assertIntegerInRange('bytes', bytes, OtpLimits.generatedSecretMinBytes, OtpLimits.generatedSecretMaxBytes);
  // Copy: the CSPRNG's Buffer may be a slice of a shared pool.
  return Uint8Array.from(new Secret({ size: bytes }).bytes);
}
