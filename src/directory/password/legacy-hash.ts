// Owns recognising every stored hash format we verify, and turning imported hashes into our canonical stored form.
import { isAcceptableArgon2Hash, isArgon2Hash } from './argon2id.js';
import { type CryptHash, parseCryptHash } from './crypt-hash.js';
import {
  BASE64_TEXT,
  formatShaHash,
  parseShaHash,
  type ShaHash,
  ShaScheme,
  shaDigestLength,
  shaSchemeOf,
  splitShaOctets,
} from './salted-sha.js';

/**
 * Header for Argon2 hashes made elsewhere. Ours are verified with the pepper (docs/security.md A9.2); an imported one
 * was made without it, so it is stored as `{ARGON2}$argon2id$…`, verified without the pepper, and rehashed.
 */
export const FOREIGN_ARGON2_HEADER = '{ARGON2}';

/** A stored hash as the verifier dispatches on it. */
export type StoredHash =
  | { readonly kind: 'argon2'; readonly hash: string }
  | { readonly kind: 'foreign-argon2'; readonly hash: string }
  | { readonly kind: 'sha'; readonly sha: ShaHash }
  | { readonly kind: 'crypt'; readonly crypt: CryptHash; readonly hash: string };

/** Classifies a stored hash; undefined for anything we cannot verify (the verifier then says false). */
export function classifyStoredHash(stored: string): StoredHash | undefined {
  if (stored.startsWith('{')) {
    if (stored.startsWith(FOREIGN_ARGON2_HEADER)) {
      const hash = stored.slice(FOREIGN_ARGON2_HEADER.length);
      return isArgon2Hash(hash) ? { kind: 'foreign-argon2', hash } : undefined;
    }
    const sha = parseShaHash(stored);
    return sha === undefined ? undefined : { kind: 'sha', sha };
  }
  if (isArgon2Hash(stored)) return { kind: 'argon2', hash: stored };
  const crypt = parseCryptHash(stored);
  return crypt === undefined ? undefined : { kind: 'crypt', crypt, hash: stored };
}

export const HashImportFailure = {
  /** A scheme we know but do not verify (MD5, NT, DES/MD5 crypt, yescrypt …). */
  Unsupported: 'UNSUPPORTED_SCHEME',
  /** A scheme we verify, but the value is broken or its cost is out of range. */
  Malformed: 'MALFORMED_HASH',
  /** No known scheme. */
  Unrecognised: 'UNRECOGNISED_FORMAT',
} as const;
export type HashImportFailure = (typeof HashImportFailure)[keyof typeof HashImportFailure];

export type ImportedHashResult =
  | { readonly ok: true; readonly kind: 'hash'; readonly hash: string }
  | { readonly ok: true; readonly kind: 'clear'; readonly password: string }
  | { readonly ok: false; readonly reason: HashImportFailure };

// FreeRADIUS rlm_pap `header_names`, and OpenLDAP's, for schemes we recognise but will not verify.
const UNSUPPORTED_HEADERS = new Set([
  'md5',
  'base64_md5',
  'smd5',
  'md4',
  'nt',
  'nthash',
  'x-nthash',
  'ns-mta-md5',
  'x- orcllmv',
  'x- orclntv',
  'pbkdf2',
  'x-pbkdf2',
]);
const CLEAR_HEADERS = new Set(['clear', 'cleartext']);
const UNSUPPORTED_CRYPT = /^(?:\$(?:1|md5|y|gy|7|sha1|3)\$|_|[./0-9A-Za-z]{13}$)/;

/**
 * Recognises an imported password hash and returns it in canonical stored form: `{SSHA256}`+padded base64,
 * bare `$5$`/`$6$`/`$2b$` crypt strings, `{ARGON2}$argon2…` for foreign Argon2. `{clear}`/`{cleartext}` values
 * come back as a clear password for the caller to hash. Never echoes the value in a failure.
 */
export function canonicalizeImportedHash(text: string): ImportedHashResult {
  const value = text.trim();
  const header = /^\{([^}]{1,20})\}/.exec(value);
  if (header !== null) {
    const name = header[1]!.toLowerCase();
    const body = value.slice(header[0].length);
    if (CLEAR_HEADERS.has(name)) return { ok: true, kind: 'clear', password: body };
    if (name === 'crypt') return canonicalizeBare(body);
    if (name === 'argon2')
      return isArgon2Hash(body) ? canonicalizeBare(body) : fail(HashImportFailure.Malformed);
    if (name === 'sha2') return fromShaText(undefined, body);
    const scheme = shaSchemeOf(name);
    if (scheme !== undefined) return fromShaText(scheme, body);
    return fail(
      UNSUPPORTED_HEADERS.has(name) ? HashImportFailure.Unsupported : HashImportFailure.Unrecognised,
    );
  }
  return canonicalizeBare(value);
}

/**
 * Canonical `{SCHEME}…` from digest text as FreeRADIUS stores it in SSHA2-256-Password and friends (no header).
 * `scheme` undefined means FreeRADIUS `SHA2-Password`: unsalted, the variant given by the digest length.
 */
export function canonicalizeShaText(scheme: ShaScheme | undefined, text: string): ImportedHashResult {
  return fromShaText(scheme, text.trim());
}

/** Canonical form of a bare crypt or Argon2 string, as FreeRADIUS stores it in `Crypt-Password`. */
export function canonicalizeCryptText(text: string): ImportedHashResult {
  return canonicalizeBare(text.trim());
}

function canonicalizeBare(value: string): ImportedHashResult {
  if (isArgon2Hash(value)) {
    return isAcceptableArgon2Hash(value)
      ? { ok: true, kind: 'hash', hash: FOREIGN_ARGON2_HEADER + value }
      : fail(HashImportFailure.Malformed);
  }
  if (/^\$(?:[56]|2[aby])\$/.test(value)) {
    return parseCryptHash(value) === undefined
      ? fail(HashImportFailure.Malformed)
      : { ok: true, kind: 'hash', hash: value };
  }
  if (/^\$2x\$/.test(value) || UNSUPPORTED_CRYPT.test(value)) return fail(HashImportFailure.Unsupported);
  return fail(HashImportFailure.Unrecognised);
}

const SHA2_BY_LENGTH: ReadonlyMap<number, ShaScheme> = new Map([
  [28, ShaScheme.Sha224],
  [32, ShaScheme.Sha256],
  [48, ShaScheme.Sha384],
  [64, ShaScheme.Sha512],
]);

function fromShaText(scheme: ShaScheme | undefined, text: string): ImportedHashResult {
  const minLength = scheme === undefined ? 28 : shaDigestLength(scheme);
  const octets = decodeDigestText(text, minLength);
  if (octets === undefined) return fail(HashImportFailure.Malformed);
  const resolved = scheme ?? SHA2_BY_LENGTH.get(octets.length);
  const sha = resolved === undefined ? undefined : splitShaOctets(resolved, octets);
  return sha === undefined
    ? fail(HashImportFailure.Malformed)
    : { ok: true, kind: 'hash', hash: formatShaHash(sha) };
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * Decodes digest text the way FreeRADIUS rlm_pap `normify()` does: `0x` hex; hex when the text is all hex and at
 * least twice the digest length; otherwise base64 that decodes to at least the digest length.
 */
function decodeDigestText(text: string, minLength: number): Buffer | undefined {
  if (/^0x/i.test(text)) {
    const hex = text.slice(2);
    if (HEX.test(hex)) return Buffer.from(hex, 'hex');
    // About 1 in 4,096 base64 strings (our own stored form among them) starts with "0x": read those as base64.
    return decodeBase64Digest(text, minLength);
  }
  if (text.length >= 2 * minLength && HEX.test(text)) return Buffer.from(text, 'hex');
  return decodeBase64Digest(text, minLength);
}

function decodeBase64Digest(text: string, minLength: number): Buffer | undefined {
  if (text.length === 0 || !BASE64_TEXT.test(text)) return undefined;
  const octets = Buffer.from(text, 'base64');
  return octets.length >= minLength ? octets : undefined;
}

function fail(reason: HashImportFailure): ImportedHashResult {
  return { ok: false, reason };
}
