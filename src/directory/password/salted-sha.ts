// Owns LDAP-style SHA password hashes: `{SSHA256}`base64(digest‖salt) and relatives, verified synchronously.
import { hash as oneShotHash, timingSafeEqual } from 'node:crypto';
import { sha256Into } from './sha256.js';

/** Scheme headers as OpenLDAP and FreeRADIUS (rlm_pap `header_names`) spell them, upper-cased. */
export const ShaScheme = {
  Ssha: 'SSHA',
  Ssha224: 'SSHA224',
  Ssha256: 'SSHA256',
  Ssha384: 'SSHA384',
  Ssha512: 'SSHA512',
  Sha: 'SHA',
  Sha224: 'SHA224',
  Sha256: 'SHA256',
  Sha384: 'SHA384',
  Sha512: 'SHA512',
} as const;
export type ShaScheme = (typeof ShaScheme)[keyof typeof ShaScheme];

interface SchemeSpec {
  readonly algorithm: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  readonly digestLength: number;
  readonly salted: boolean;
}

const SPECS: Readonly<Record<ShaScheme, SchemeSpec>> = {
  SSHA: { algorithm: 'sha1', digestLength: 20, salted: true },
  SSHA224: { algorithm: 'sha224', digestLength: 28, salted: true },
  SSHA256: { algorithm: 'sha256', digestLength: 32, salted: true },
  SSHA384: { algorithm: 'sha384', digestLength: 48, salted: true },
  SSHA512: { algorithm: 'sha512', digestLength: 64, salted: true },
  SHA: { algorithm: 'sha1', digestLength: 20, salted: false },
  SHA224: { algorithm: 'sha224', digestLength: 28, salted: false },
  SHA256: { algorithm: 'sha256', digestLength: 32, salted: false },
  SHA384: { algorithm: 'sha384', digestLength: 48, salted: false },
  SHA512: { algorithm: 'sha512', digestLength: 64, salted: false },
};

/** Salt longer than this is refused: real tools use 4–16 octets, and the hot path should not hash kilobytes. */
export const MAX_SALT_OCTETS = 64;

/** A decoded SHA hash: the digest and, for salted schemes, the salt appended after it. */
export interface ShaHash {
  readonly scheme: ShaScheme;
  readonly digest: Buffer;
  readonly salt: Buffer;
}

const HEADER = /^\{([A-Za-z0-9]{3,7})\}/;
/** Standard base64 alphabet, padding optional; Buffer.from(…, 'base64') would silently skip anything else. */
export const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** The scheme named by a `{…}` header (case-insensitive), or undefined when it is not a SHA scheme. */
export function shaSchemeOf(header: string): ShaScheme | undefined {
  const upper = header.toUpperCase();
  return Object.hasOwn(SPECS, upper) ? (upper as ShaScheme) : undefined;
}

/**
 * Splits raw digest‖salt octets for `scheme`. Salted schemes need at least one salt octet, unsalted ones exactly
 * the digest (FreeRADIUS rlm_pap: `if (vp->length <= 20)` → "incorrect length").
 */
export function splitShaOctets(scheme: ShaScheme, octets: Uint8Array): ShaHash | undefined {
  const spec = SPECS[scheme];
  const saltLength = octets.length - spec.digestLength;
  if (spec.salted ? saltLength < 1 || saltLength > MAX_SALT_OCTETS : saltLength !== 0) return undefined;
  const buffer = Buffer.from(octets.buffer, octets.byteOffset, octets.length);
  return {
    scheme,
    digest: buffer.subarray(0, spec.digestLength),
    salt: buffer.subarray(spec.digestLength),
  };
}

/** The scheme and the base64 text of `{SCHEME}base64`; undefined for an unknown header or text outside base64. */
function schemeAndBody(stored: string): { readonly scheme: ShaScheme; readonly body: string } | undefined {
  const match = HEADER.exec(stored);
  if (match === null) return undefined;
  const scheme = shaSchemeOf(match[1]!);
  if (scheme === undefined) return undefined;
  const body = stored.slice(match[0].length);
  return BASE64_TEXT.test(body) ? { scheme, body } : undefined;
}

/** Parses `{SCHEME}base64`; undefined for any other text (unknown header, bad base64, wrong length). */
export function parseShaHash(stored: string): ShaHash | undefined {
  const parts = schemeAndBody(stored);
  return parts === undefined ? undefined : splitShaOctets(parts.scheme, Buffer.from(parts.body, 'base64'));
}

/**
 * A SHA hash parsed once for the login path, its digest‖salt kept where `prepareShaHash` decoded it: in a shared
 * slab, at `[start, end)`, the digest first. The login index holds one per user, so this is one small object per
 * user instead of a ShaHash, its two Buffers and their wrappers (about 270 octets less per user,
 * docs/performance.md).
 */
export class PreparedShaHash {
  constructor(
    readonly scheme: ShaScheme,
    readonly slab: Buffer,
    readonly start: number,
    readonly end: number,
  ) {
    Object.freeze(this);
  }
}

/** Octets decoded hashes go into; a new slab when one is full. A slab lives as long as a hash in it. */
const SLAB_OCTETS = 64 * 1024;
let slab = Buffer.alloc(SLAB_OCTETS);
let slabUsed = 0;

/** Parses `{SCHEME}base64` like `parseShaHash`, for `verifyPreparedShaHash`; undefined for what that refuses. */
export function prepareShaHash(stored: string): PreparedShaHash | undefined {
  const parts = schemeAndBody(stored);
  if (parts === undefined) return undefined;
  const { scheme, body } = parts;
  // At most 3 octets per 4 characters; the length check below refuses what is not digest plus salt.
  const most = Math.ceil((body.length * 3) / 4);
  if (most > SLAB_OCTETS) return undefined;
  if (slabUsed + most > slab.length) {
    slab = Buffer.alloc(SLAB_OCTETS);
    slabUsed = 0;
  }
  const written = slab.write(body, slabUsed, 'base64');
  const spec = SPECS[scheme];
  const saltLength = written - spec.digestLength;
  if (spec.salted ? saltLength < 1 || saltLength > MAX_SALT_OCTETS : saltLength !== 0) return undefined;
  const prepared = new PreparedShaHash(scheme, slab, slabUsed, slabUsed + written);
  slabUsed += written;
  return prepared;
}

/** Canonical stored form: upper-case header, padded standard base64 of digest‖salt. */
export function formatShaHash(hash: ShaHash): string {
  return `{${hash.scheme}}${Buffer.concat([hash.digest, hash.salt]).toString('base64')}`;
}

/** The digest length of `scheme` in octets. */
export function shaDigestLength(scheme: ShaScheme): number {
  return SPECS[scheme].digestLength;
}

/** True when `scheme` carries a salt after the digest. */
export function isSaltedShaScheme(scheme: ShaScheme): boolean {
  return SPECS[scheme].salted;
}

/** Checks `password` against a decoded hash: digest(password‖salt), compared in constant time. */
export function verifyShaHash(hash: ShaHash, password: Uint8Array): boolean {
  if (SPECS[hash.scheme].algorithm === 'sha256') {
    sha256Into(password, hash.salt, digest256);
    const same = timingSafeEqual(digest256, hash.digest);
    digest256.fill(0);
    return same;
  }
  // One-shot hashing over a scratch copy: createHash costs an object and several native calls per check.
  const length = password.length + hash.salt.length;
  if (length > scratch.length) scratch = Buffer.alloc(length * 2);
  scratch.set(password, 0);
  scratch.set(hash.salt, password.length);
  const computed = oneShotHash(SPECS[hash.scheme].algorithm, scratch.subarray(0, length), 'buffer');
  scratch.fill(0, 0, length);
  return timingSafeEqual(computed, hash.digest);
}

/** Checks `password` against a prepared hash: digest(password‖salt) against the stored digest, in constant time. */
export function verifyPreparedShaHash(hash: PreparedShaHash, password: Uint8Array): boolean {
  const spec = SPECS[hash.scheme];
  const { slab: octets, start, end } = hash;
  const saltFrom = start + spec.digestLength;
  if (spec.algorithm === 'sha256') {
    sha256Into(password, octets, digest256, 0, saltFrom, end);
    const same = equalInConstantTime(digest256, octets, start, 32);
    digest256.fill(0);
    return same;
  }
  const length = password.length + (end - saltFrom);
  if (length > scratch.length) scratch = Buffer.alloc(length * 2);
  scratch.set(password, 0);
  octets.copy(scratch, password.length, saltFrom, end);
  const computed = oneShotHash(spec.algorithm, scratch.subarray(0, length), 'buffer');
  scratch.fill(0, 0, length);
  return equalInConstantTime(computed, octets, start, spec.digestLength);
}

/**
 * `a[0…length)` against `b[from…from+length)`, every octet read whatever differs first (no early exit), so the
 * time says nothing of where a guess went wrong; timingSafeEqual would need a view of `b` made per login.
 */
function equalInConstantTime(a: Uint8Array, b: Uint8Array, from: number, length: number): boolean {
  let difference = 0;
  for (let i = 0; i < length; i++) difference |= a[i]! ^ b[from + i]!;
  return difference === 0;
}

let scratch = Buffer.alloc(512);
const digest256 = new Uint8Array(32);
/**
 * Parses and checks a stored `{SSHA256}…`-style hash. The server's login path parses once per cached user
 * (`PasswordVerifier.prepare`) and calls `verifyShaHash`; this is for everything else.
 * @returns false for a wrong password and for anything that is not a well-formed SHA hash
 */
export function verifyShaHashString(stored: string, password: Uint8Array): boolean {
  const hash = parseShaHash(stored);
  return hash !== undefined && verifyShaHash(hash, password);
}
