// The HMAC hash functions an OTP token may use, and their node:crypto names.

/** Hash functions allowed for HOTP/TOTP. RFC 4226 §5.2 defines SHA-1; RFC 6238 §1.2 adds SHA-256 and SHA-512. */
export const OtpAlgorithm = { SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512' } as const;
export type OtpAlgorithm = (typeof OtpAlgorithm)[keyof typeof OtpAlgorithm];

/** Digits a generated HOTP/TOTP value may have. RFC 4226 §5.3: at least 6; 7 and 8 are the common extensions. */
export type OtpDigits = 6 | 7 | 8;

const nodeHmacNames: Readonly<Record<OtpAlgorithm, string>> = {
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA512: 'sha512',
};

/**
 * Tells whether a value names one of the supported algorithms (exact, upper-case spelling).
 * @param value - anything, e.g. a stored token field
 * @returns true for 'SHA1', 'SHA256' or 'SHA512'
 */
export function isOtpAlgorithm(value: unknown): value is OtpAlgorithm {
  return value === 'SHA1' || value === 'SHA256' || value === 'SHA512';
}

/**
 * Tells whether a value is a digit count Assent generates (6, 7 or 8).
 * @param value - anything
 * @returns true for 6, 7 or 8
 */
export function isOtpDigits(value: unknown): value is OtpDigits {
  return value === 6 || value === 7 || value === 8;
}

/**
 * Maps an algorithm to the digest name node:crypto expects.
 * @param algorithm - a supported algorithm
 * @returns 'sha1', 'sha256' or 'sha512'
 */
export function nodeHmacName(algorithm: OtpAlgorithm): string {
  return nodeHmacNames[algorithm];
}
