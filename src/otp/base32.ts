// Base32 secrets (RFC 4648 §6) as typed by admins and users: checked here, converted by otpauth's Secret.
import { Secret } from 'otpauth';

export type Base32DecodeReason = 'BASE32_EMPTY' | 'BASE32_CHARACTER' | 'BASE32_LENGTH' | 'BASE32_PADDING';

export type Base32DecodeResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: Base32DecodeReason };

// 1,024 characters is 640 bytes, ten times a SHA-512 block; anything longer is not a seed.
const maxInputLength = 1024;
const alphabet = /^[A-Z2-7]*$/;
const whitespace = /[ \t\r\n]/g;
// RFC 4648 §6: a final quantum of 8, 16, 24 or 32 bits gives 2, 4, 5 or 7 characters; 1, 3 or 6 cannot occur.
const impossibleRemainders: ReadonlySet<number> = new Set([1, 3, 6]);

/**
 * Encodes bytes as upper-case base32 without padding, as the Key Uri Format and authenticator apps expect.
 * @param bytes - secret bytes
 * @returns base32 text, e.g. `JBSWY3DPEHPK3PXP`
 */
export function encodeBase32(bytes: Uint8Array): string {
  // otpauth takes an ArrayBuffer: copy, so a view into a larger buffer (a pooled Buffer) encodes only its bytes.
  return new Secret({ buffer: bytes.slice().buffer }).base32;
}

/**
 * Decodes a base32 secret. Accepts lower case, spaces/tabs/line breaks anywhere, and missing padding; refuses
 * other characters, impossible lengths and wrong padding. Like oathtool, ignores non-zero bits in the last
 * character. Never throws.
 * @param text - the secret as typed or imported
 * @returns the bytes, or the reason for refusal
 */
export function decodeBase32(text: unknown): Base32DecodeResult {
  if (typeof text !== 'string' || text.length > maxInputLength) {
    return { ok: false, reason: 'BASE32_LENGTH' };
  }
  const compact = text.replace(whitespace, '').toUpperCase();
  const padStart = compact.indexOf('=');
  const body = padStart === -1 ? compact : compact.slice(0, padStart);
  const padding = compact.length - body.length;
  if (body.length === 0) {
    return { ok: false, reason: 'BASE32_EMPTY' };
  }
  if (!alphabet.test(body)) {
    return { ok: false, reason: 'BASE32_CHARACTER' };
  }
  if (impossibleRemainders.has(body.length % 8)) {
    return { ok: false, reason: 'BASE32_LENGTH' };
  }
  // RFC 4648 §6: padding, when present, is only '=' and completes the last 40-bit group exactly.
  if (padding > 0 && (/[^=]/.test(compact.slice(padStart)) || padding !== (8 - (body.length % 8)) % 8)) {
    return { ok: false, reason: 'BASE32_PADDING' };
  }
  return { ok: true, bytes: Uint8Array.from(Secret.fromBase32(body).bytes) };
}
