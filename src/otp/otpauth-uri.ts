// otpauth:// key URIs (Google Authenticator Key Uri Format) for enrolment QR codes and token import, via otpauth.
import { HOTP, Secret, TOTP, URI } from 'otpauth';
import { decodeBase32 } from './base32.js';
import { isOtpAlgorithm, isOtpDigits, type OtpAlgorithm, type OtpDigits } from './otp-algorithm.js';
import {
  assertAlgorithm,
  assertDigits,
  assertIntegerInRange,
  assertPeriod,
  OtpLimits,
  OtpParameterError,
} from './otp-parameters.js';
import type { TotpDigits } from './verify-totp.js';

interface OtpauthKeyCommon {
  /** Provider shown in the app, e.g. "ACME Co"; may be empty only in parsed URIs. */
  readonly issuer: string;
  /** Account name shown in the app, e.g. "alice@example.com". */
  readonly account: string;
  readonly secret: Uint8Array;
  readonly algorithm: OtpAlgorithm;
}

export interface OtpauthTotpKey extends OtpauthKeyCommon {
  readonly type: 'totp';
  readonly digits: TotpDigits;
  readonly period: number;
}

export interface OtpauthHotpKey extends OtpauthKeyCommon {
  readonly type: 'hotp';
  readonly digits: OtpDigits;
  /** Counter of the next code the token will show. */
  readonly counter: number;
}

export type OtpauthKey = OtpauthTotpKey | OtpauthHotpKey;

export type ParseOtpauthUriReason =
  | 'URI_FORMAT'
  | 'URI_TYPE'
  | 'URI_LABEL'
  | 'URI_SECRET'
  | 'URI_ALGORITHM'
  | 'URI_DIGITS'
  | 'URI_PERIOD'
  | 'URI_COUNTER';

export type ParseOtpauthUriResult =
  | { readonly ok: true; readonly key: OtpauthKey }
  | { readonly ok: false; readonly reason: ParseOtpauthUriReason };

// Bounds the work of otpauth's URI regular expression; real key URIs are a few hundred characters.
const maxUriLength = 4096;
const schemeAndType = /^otpauth:\/\/([^/?#]*)\//i;

/**
 * Checks an issuer or account name for a label.
 * @throws {OtpParameterError} OTP_BAD_PARAMETER
 */
function assertLabelPart(name: string, value: unknown): string {
  // Key Uri Format: "Neither issuer nor account name may themselves contain a colon."
  if (typeof value !== 'string' || value.length === 0 || value.includes(':')) {
    throw new OtpParameterError(`${name} must be a non-empty string without ':'`);
  }
  return value;
}

/**
 * Builds a key URI for an enrolment QR code (Key Uri Format): issuer both as label prefix and `issuer`
 * parameter, upper-case base32 secret without padding, every part percent-encoded, all parameters explicit.
 * @param key - token type, names, secret and parameters
 * @returns e.g. `otpauth://totp/ACME%20Co:alice?issuer=ACME%20Co&secret=…&algorithm=SHA1&digits=6&period=30`
 * @throws {OtpParameterError} OTP_BAD_PARAMETER for an empty name or one with ':', a secret under 80 bits, or a
 *   bad digit count, period, counter or algorithm
 */
export function buildOtpauthUri(key: OtpauthKey): string {
  const issuer = assertLabelPart('issuer', key.issuer);
  const label = assertLabelPart('account', key.account);
  if (!(key.secret instanceof Uint8Array) || key.secret.length < OtpLimits.importedSecretMinBytes) {
    throw new OtpParameterError(`secret must be at least ${OtpLimits.importedSecretMinBytes} bytes`);
  }
  const algorithm = assertAlgorithm(key.algorithm);
  // Copy: Secret takes an ArrayBuffer, and the caller's view may cover only part of one.
  const secret = new Secret({ buffer: key.secret.slice().buffer });
  const common = { issuer, label, issuerInLabel: true, secret, algorithm };
  if (key.type === 'totp') {
    const digits = assertDigits(key.digits, [6, 8]);
    return new TOTP({ ...common, digits, period: assertPeriod(key.period) }).toString();
  }
  const digits = assertDigits(key.digits, [6, 7, 8]);
  const counter = assertIntegerInRange('counter', key.counter, 0, Number.MAX_SAFE_INTEGER);
  return new HOTP({ ...common, digits, counter }).toString();
}

/**
 * Maps an otpauth parse error to our reason. otpauth names the offending parameter in its messages.
 * @param error - what URI.parse threw
 * @returns the reason
 */
function reasonOf(error: unknown): ParseOtpauthUriReason {
  const message = String(error);
  const byParameter: readonly [RegExp, ParseOtpauthUriReason][] = [
    [/counter/i, 'URI_COUNTER'],
    [/period/i, 'URI_PERIOD'],
    [/secret/i, 'URI_SECRET'],
    [/algorithm/i, 'URI_ALGORITHM'],
    [/digits/i, 'URI_DIGITS'],
  ];
  return byParameter.find(([pattern]) => pattern.test(message))?.[1] ?? 'URI_FORMAT';
}

/**
 * Finds the raw `secret` parameter, so our base32 rules (and oathtool's) apply rather than otpauth's laxer ones.
 * Takes the last one, as otpauth does. Throws (caught by the caller) if absent, which otpauth already excludes.
 * @param uri - a URI otpauth already accepted, so every parameter percent-decodes
 * @returns the percent-decoded value
 */
function rawSecretParameter(uri: string): string {
  const query = uri.slice(uri.lastIndexOf('?') + 1);
  const pair = query.split('&').findLast((p) => p.slice(0, 7).toLowerCase() === 'secret=')!;
  return decodeURIComponent(pair.slice(7));
}

/**
 * Parses a key URI for token import. Accepts what the Key Uri Format allows (missing issuer, algorithm, digits
 * or period take their defaults) but only parameters Assent can verify: SHA1/SHA256/SHA512, 6|8-digit TOTP with
 * a 15–120 s period, 6–8-digit HOTP, a secret of at least 80 bits. Never throws.
 * @param uri - the URI text, e.g. decoded from a QR code
 * @returns the typed key, or the reason for refusal
 */
export function parseOtpauthUri(uri: unknown): ParseOtpauthUriResult {
  if (typeof uri !== 'string' || uri.length > maxUriLength) {
    return { ok: false, reason: 'URI_FORMAT' };
  }
  const match = schemeAndType.exec(uri);
  if (match === null) {
    return { ok: false, reason: 'URI_FORMAT' };
  }
  const type = match[1]!.toLowerCase();
  if (type !== 'totp' && type !== 'hotp') {
    return { ok: false, reason: 'URI_TYPE' };
  }
  let otp: HOTP | TOTP;
  let rawSecret: string;
  try {
    otp = URI.parse(uri);
    rawSecret = rawSecretParameter(uri);
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
  const account = otp.label;
  if (account.length === 0 || account.includes(':')) {
    return { ok: false, reason: 'URI_LABEL' };
  }
  const secret = decodeBase32(rawSecret);
  if (!secret.ok || secret.bytes.length < OtpLimits.importedSecretMinBytes) {
    return { ok: false, reason: 'URI_SECRET' };
  }
  const algorithm = otp.algorithm;
  if (!isOtpAlgorithm(algorithm)) {
    return { ok: false, reason: 'URI_ALGORITHM' };
  }
  const common = { issuer: otp.issuer, account, secret: secret.bytes, algorithm };
  if (otp instanceof TOTP) {
    const { digits, period } = otp;
    if (digits !== 6 && digits !== 8) {
      return { ok: false, reason: 'URI_DIGITS' };
    }
    if (period < OtpLimits.periodMinSeconds || period > OtpLimits.periodMaxSeconds) {
      return { ok: false, reason: 'URI_PERIOD' };
    }
    return { ok: true, key: { type: 'totp', ...common, digits, period } };
  }
  const { digits, counter } = otp;
  if (!isOtpDigits(digits)) {
    return { ok: false, reason: 'URI_DIGITS' };
  }
  if (!Number.isSafeInteger(counter) || counter < 0) {
    return { ok: false, reason: 'URI_COUNTER' };
  }
  return { ok: true, key: { type: 'hotp', ...common, digits, counter } };
}
