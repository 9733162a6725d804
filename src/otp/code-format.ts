// The shape of a typed one-time code: normalisation (spaces stripped, exact digit count) and comparison.

/** Why a typed code was refused before any HMAC was computed. */
export type CodeFormatReason = 'CODE_FORMAT';

export type NormaliseCodeResult =
  | { readonly ok: true; readonly code: string }
  | { readonly ok: false; readonly reason: CodeFormatReason };

// Longer input is refused without scanning it: 8 digits with a separator after each still fits.
const maxInputLength = 32;
const formatError: NormaliseCodeResult = Object.freeze({ ok: false, reason: 'CODE_FORMAT' });

/**
 * Normalises a typed code: removes ASCII spaces and tabs (apps show "123 456"), then requires exactly `digits`
 * ASCII decimal digits. Other characters, including non-ASCII digits, refuse the code. Never throws.
 * @param input - the code as received (any value; non-strings are refused)
 * @param digits - required number of digits (at most 15, see `codeValue`, whose rules these are)
 * @returns the digits-only code, or reason CODE_FORMAT
 */
export function normaliseCode(input: unknown, digits: number): NormaliseCodeResult {
  const value = codeValue(input, digits);
  return value < 0 ? formatError : { ok: true, code: String(value).padStart(digits, '0') };
}

/**
 * The octets `start` … `end` as text when every one is an ASCII digit (how a typed code arrives), else undefined.
 * Built with String.fromCharCode: for a handful of octets a TextDecoder call costs more than the code is long.
 */
export function digitsText(octets: Uint8Array, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    const c = octets[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return String.fromCharCode.apply(null, octets.subarray(start, end) as unknown as number[]);
}

/**
 * The value of a typed code under the same rules as `normaliseCode` (spaces and tabs ignored, exactly `digits`
 * ASCII digits), without building a string: the verifiers compare it with each candidate HOTP value as a number.
 * A single integer compare has no early exit, so it leaks no more than `codesEqual` does.
 * @param input - the code as received (any value; non-strings are refused)
 * @param digits - required number of digits (at most 15, so the value is exact)
 * @returns the code's value, or -1 when the format is wrong (CODE_FORMAT)
 */
export function codeValue(input: unknown, digits: number): number {
  if (typeof input !== 'string' || input.length < digits || input.length > maxInputLength) return -1;
  let value = 0;
  let count = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      count++;
    } else if (c !== 0x20 && c !== 0x09) {
      return -1;
    }
  }
  return count === digits ? value : -1;
}

/**
 * Compares two codes in time that depends only on their length, so a wrong guess learns nothing from timing
 * about how many leading digits were right.
 * @param a - a code
 * @param b - a code
 * @returns true when both are identical
 */
export function codesEqual(a: string, b: string): boolean {
  // Code lengths are public (the token's digit count), so an early exit on length leaks nothing.
  if (a.length !== b.length) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  }
  return diff === 0;
}
