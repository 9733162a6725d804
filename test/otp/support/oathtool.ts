// Test support: runs the real oathtool (OATH Toolkit 2.6.7, PEERS.md) as an independent OTP implementation.
import { execFileSync } from 'node:child_process';
import type { OtpAlgorithm } from '../../../src/otp/otp-algorithm.js';

const oathtoolPath = '/usr/bin/oathtool';

/**
 * Runs oathtool with arguments (no shell) and returns its trimmed standard output.
 * @param args - command-line arguments, e.g. ['--hotp', '-c', '7', hexKey]
 * @returns stdout without the trailing newline
 */
export function oathtool(args: readonly string[]): string {
  return execFileSync(oathtoolPath, args, { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** Hex text of bytes, oathtool's default key encoding. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * oathtool's TOTP code for a moment.
 * @returns the code oathtool prints
 */
export function oathtoolTotp(
  secret: Uint8Array,
  unixSeconds: number,
  options: { digits: number; period: number; algorithm: OtpAlgorithm },
): string {
  return oathtool([
    `--totp=${options.algorithm}`,
    `--digits=${options.digits}`,
    `--time-step-size=${options.period}s`,
    '-N',
    `@${unixSeconds}`,
    hex(secret),
  ]);
}

/**
 * oathtool's HOTP code (oathtool's HOTP is always HMAC-SHA-1).
 * @returns the code oathtool prints
 */
export function oathtoolHotp(secret: Uint8Array, counter: number | bigint, digits: number): string {
  return oathtool(['--hotp', `--digits=${digits}`, '-c', String(counter), hex(secret)]);
}
