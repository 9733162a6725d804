// Owns recognition of crypt(3)-style hashes we can verify: SHA-crypt `$5$`/`$6$` and bcrypt `$2a$`/`$2b$`/`$2y$`.

export const CryptScheme = { ShaCrypt: 'sha-crypt', Bcrypt: 'bcrypt' } as const;
export type CryptScheme = (typeof CryptScheme)[keyof typeof CryptScheme];

/** A recognised crypt hash and its cost (SHA-crypt rounds, or bcrypt log2 rounds). */
export interface CryptHash {
  readonly scheme: CryptScheme;
  readonly cost: number;
}

/**
 * Drepper, "Unix crypt using SHA-256 and SHA-512": 5000 rounds by default, salt up to 16 characters, digest of
 * 43 (SHA-256) or 86 (SHA-512) characters from `./0-9A-Za-z`.
 */
const SHA_CRYPT = /^\$([56])\$(?:rounds=([1-9][0-9]{0,8})\$)?[./0-9A-Za-z]{0,16}\$([./0-9A-Za-z]+)$/;
const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
const SHA_CRYPT_MIN_ROUNDS = 1000;
/**
 * passlib's defaults (535000 / 656000) still pass, but unixcrypt is pure JS: on the reference machine 5000 rounds
 * take 32 ms ($5$) / 64 ms ($6$) and 656000 rounds 6.7 s, during which the hash holds one pool worker.
 */
export const SHA_CRYPT_MAX_ROUNDS = 1_000_000;

// `$2x$` marks hashes from the crypt_blowfish sign-extension bug; bcryptjs cannot reproduce them.
const BCRYPT = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/;
const BCRYPT_MIN_COST = 4;
/** bcryptjs needs about 260 ms at cost 10 and doubles per step (cost 15 ≈ 8 s): a sanity cap, not a policy. */
export const BCRYPT_MAX_COST = 15;

/**
 * Recognises a SHA-crypt or bcrypt hash whose cost is within our limits.
 * @returns undefined for anything else, including DES/MD5 crypt (`$1$`) and out-of-range costs
 */
export function parseCryptHash(stored: string): CryptHash | undefined {
  if (stored.startsWith('$2')) {
    const match = BCRYPT.exec(stored);
    if (match === null) return undefined;
    const cost = Number(match[1]);
    return cost >= BCRYPT_MIN_COST && cost <= BCRYPT_MAX_COST
      ? { scheme: CryptScheme.Bcrypt, cost }
      : undefined;
  }
  const match = SHA_CRYPT.exec(stored);
  if (match === null) return undefined;
  const digestLength = match[1] === '5' ? 43 : 86;
  if (match[3]!.length !== digestLength) return undefined;
  const rounds = match[2] === undefined ? SHA_CRYPT_DEFAULT_ROUNDS : Number(match[2]);
  // glibc clamps rounds below 1000 and prints the clamped value, so a smaller number never comes from crypt(3).
  if (rounds < SHA_CRYPT_MIN_ROUNDS || rounds > SHA_CRYPT_MAX_ROUNDS) return undefined;
  return { scheme: CryptScheme.ShaCrypt, cost: rounds };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes password octets for the string-only crypt libraries. Invalid UTF-8 gives undefined rather than
 * U+FFFD replacements, which would let different octet strings verify as the same password.
 */
export function passwordAsUtf8(password: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(password);
  } catch {
    return undefined;
  }
}
