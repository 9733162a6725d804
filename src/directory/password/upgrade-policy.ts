// Owns the rule for replacing a stored hash after a successful login (rehash on login).

export interface RehashInput {
  /**
   * Config flag. Off when another system still reads the same stored hashes (e.g. FreeRADIUS during a
   * migration), so legacy hashes must stay as they are.
   */
  readonly upgradeLegacyHashes: boolean;
  /** Only a correct password can be rehashed: it is the only moment we hold it in clear. */
  readonly passwordVerified: boolean;
  /** The stored hash that just verified. */
  readonly storedHash: string;
  /** `PasswordVerifier.needsRehash(storedHash)`. */
  readonly needsRehash: boolean;
}

/**
 * Decides whether to replace the stored hash with a fresh argon2id one after this login. Our own Argon2 hashes
 * (bare `$argon2…`) with stale parameters are always upgraded: nobody else reads them. Imported and legacy
 * hashes (`{SSHA256}…`, `{ARGON2}…`, `$6$…`, `$2b$…`) only when `upgradeLegacyHashes` is on.
 */
export function shouldRehashOnLogin(input: RehashInput): boolean {
  if (!input.passwordVerified || !input.needsRehash) return false;
  return input.storedHash.startsWith('$argon2') || input.upgradeLegacyHashes;
}
