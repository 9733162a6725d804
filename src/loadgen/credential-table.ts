// Owns the precomputed user names and passwords the load generator cycles through.

/** Why a credential pattern cannot be used. */
export const CredentialTableFailure = {
  /** A user name would be empty or longer than one attribute can carry (RFC 2865 §5.1, §5). */
  UserNameLength: 'user-name-length',
  /** A password would be longer than 128 octets (RFC 2865 §5.2). */
  PasswordLength: 'password-length',
} as const;
export type CredentialTableFailure = (typeof CredentialTableFailure)[keyof typeof CredentialTableFailure];

export type CredentialTableResult =
  | { ok: true; table: CredentialTable }
  | { ok: false; reason: CredentialTableFailure; index: number };

/** RFC 2865 §5: 253 octets per attribute value. */
const MAX_USER_NAME = 253;
/** RFC 2865 §5.2: the password is at most 128 octets. */
const MAX_PASSWORD = 128;

/**
 * Every user's name and password as views into two shared buffers, built once before the run so the hot
 * path neither formats strings nor encodes UTF-8.
 */
export interface CredentialTable {
  readonly size: number;
  userName(index: number): Uint8Array;
  password(index: number): Uint8Array;
}

class PooledStrings {
  readonly #bytes: Buffer;
  readonly #views: Uint8Array[];

  constructor(values: readonly Buffer[]) {
    this.#bytes = Buffer.concat(values);
    this.#views = new Array<Uint8Array>(values.length);
    let offset = 0;
    for (let i = 0; i < values.length; i++) {
      const length = values[i]!.length;
      this.#views[i] = this.#bytes.subarray(offset, offset + length);
      offset += length;
    }
  }

  get(index: number): Uint8Array {
    return this.#views[index]!;
  }
}

/**
 * Expands `%d` in both patterns with the user index 0…count-1 (`user%d` → `user0`, `user1`, …).
 * A pattern without `%d` gives every user the same value.
 * @returns the table, or the first index whose name or password does not fit in an Access-Request
 */
export function buildCredentialTable(
  count: number,
  userFormat: string,
  passwordFormat: string,
): CredentialTableResult {
  const names = new Array<Buffer>(count);
  const passwords = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) {
    const digits = String(i);
    const name = Buffer.from(userFormat.replaceAll('%d', digits), 'utf8');
    const password = Buffer.from(passwordFormat.replaceAll('%d', digits), 'utf8');
    if (name.length === 0 || name.length > MAX_USER_NAME) {
      return { ok: false, reason: CredentialTableFailure.UserNameLength, index: i };
    }
    if (password.length > MAX_PASSWORD)
      return { ok: false, reason: CredentialTableFailure.PasswordLength, index: i };
    names[i] = name;
    passwords[i] = password;
  }
  const pooledNames = new PooledStrings(names);
  const pooledPasswords = new PooledStrings(passwords);
  return {
    ok: true,
    table: {
      size: count,
      userName: (index) => pooledNames.get(index),
      password: (index) => pooledPasswords.get(index),
    },
  };
}
