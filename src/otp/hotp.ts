// HOTP value generation (RFC 4226 §5): HMAC over the 8-byte counter, dynamic truncation, decimal code.
import { createHmac } from 'node:crypto';
import { hmacSha1Counter } from './hmac-sha1.js';
import { nodeHmacName, type OtpAlgorithm, type OtpDigits } from './otp-algorithm.js';
import { assertAlgorithm, assertDigits, assertSecret, OtpParameterError } from './otp-parameters.js';

const allDigits: readonly OtpDigits[] = [6, 7, 8];
const maxCounter = (1n << 64n) - 1n;
const twoTo32 = 0x1_0000_0000;
const modulus: Readonly<Record<OtpDigits, number>> = { 6: 1_000_000, 7: 10_000_000, 8: 100_000_000 };

// Reused for every call: update() copies it synchronously, and this module never awaits.
const counterBytes = Buffer.alloc(8);

/**
 * RFC 4226 §5.3 dynamic truncation of an HMAC result to a zero-padded decimal code.
 * @param mac - the HMAC output (20, 32 or 64 bytes)
 * @param digits - code length
 * @returns the code, always exactly `digits` characters
 */
export function truncateHmac(mac: Uint8Array, digits: OtpDigits): string {
  return String(truncateHmacValue(mac, digits)).padStart(digits, '0');
}

/**
 * RFC 4226 §5.3 dynamic truncation as a number (the code without its leading zeros), for comparing without a
 * string per candidate.
 * @param mac - the HMAC output (20, 32 or 64 bytes)
 * @param digits - code length
 * @returns 0 … 10^digits − 1
 */
export function truncateHmacValue(mac: Uint8Array, digits: OtpDigits): number {
  // RFC 4226 §5.3: the offset is the low 4 bits of the last byte; RFC 6238 Appendix A keeps that for SHA-256/512.
  const offset = mac[mac.length - 1]! & 0x0f;
  // RFC 4226 §5.3: mask the top bit so the 31-bit value is the same on signed and unsigned platforms.
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return binary % modulus[digits];
}

/**
 * The HOTP value for a counter already known to be a safe non-negative integer; no argument checks.
 * The verifiers call this in their loops, so it allocates only what createHmac needs.
 * @param secret - key bytes
 * @param counter - 0 … Number.MAX_SAFE_INTEGER
 * @param digits - code length
 * @param hmacName - node:crypto digest name from {@link nodeHmacName}
 * @returns the code
 */
export function hotpUnchecked(
  secret: Uint8Array,
  counter: number,
  digits: OtpDigits,
  hmacName: string,
): string {
  return String(hotpValueUnchecked(secret, counter, digits, hmacName)).padStart(digits, '0');
}

/**
 * `hotpUnchecked` as a number (no leading zeros): what the verifiers compare with `codeValue`, with no string
 * per candidate step.
 */
export function hotpValueUnchecked(
  secret: Uint8Array,
  counter: number,
  digits: OtpDigits,
  hmacName: string,
): number {
  // RFC 4226 §5.2: the counter is 8 bytes, big-endian (high-order byte first).
  if (hmacName === 'sha1') {
    return truncateHmacValue(hmacSha1Counter(secret, Math.floor(counter / twoTo32), counter >>> 0), digits);
  }
  counterBytes.writeUInt32BE(Math.floor(counter / twoTo32), 0);
  counterBytes.writeUInt32BE(counter >>> 0, 4);
  return truncateHmacValue(createHmac(hmacName, secret).update(counterBytes).digest(), digits);
}

/**
 * Generates an HOTP value (RFC 4226 §5.3).
 * @param secret - shared secret K (any non-empty length; HMAC hashes keys longer than a block)
 * @param counter - moving factor C: a safe integer ≥ 0, or a bigint in [0, 2^64)
 * @param digits - 6, 7 or 8
 * @param algorithm - SHA1 (RFC 4226), SHA256 or SHA512 (RFC 6238)
 * @returns the code, zero-padded to `digits`
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for a bad secret, counter, digit count or algorithm
 */
export function generateHotp(
  secret: Uint8Array,
  counter: number | bigint,
  digits: OtpDigits,
  algorithm: OtpAlgorithm,
): string {
  assertSecret(secret);
  assertDigits(digits, allDigits);
  const hmacName = nodeHmacName(assertAlgorithm(algorithm));
  if (typeof counter === 'bigint') {
    if (counter < 0n || counter > maxCounter) {
      throw new OtpParameterError(`counter must be in [0, 2^64), got ${counter}`);
    }
    counterBytes.writeBigUInt64BE(counter, 0);
    return truncateHmac(createHmac(hmacName, secret).update(counterBytes).digest(), digits);
  }
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new OtpParameterError(`counter must be a safe integer >= 0, got ${String(counter)}`);
  }
  return hotpUnchecked(secret, counter, digits, hmacName);
}
