// Owns the result shape shared by the user importers and the rules both apply to a password field.
import type { UserStatus } from '../../domain/user.js';
import { passwordProblem } from '../../domain/user-rules.js';
import { canonicalizeImportedHash, HashImportFailure } from '../password/legacy-hash.js';

/**
 * One user read from an import file. Exactly one of `passwordHash` (canonical stored form) and `clearPassword`
 * is set, or neither (a user without a local password). The caller hashes `clearPassword` with argon2id.
 */
export interface ImportedUser {
  readonly name: string;
  readonly passwordHash: string | null;
  readonly clearPassword?: string;
  readonly groups: string[];
  readonly status: UserStatus;
  /** Line where the user's entry starts, for the caller's own messages. */
  readonly line: number;
}

/** A line-numbered message. Never contains a password or hash value. */
export interface ImportNote {
  readonly line: number;
  readonly reason: string;
}

export interface ImportResult {
  readonly users: ImportedUser[];
  /** Input deliberately not imported (DEFAULT entries, reply items …). */
  readonly skipped: ImportNote[];
  /** Input that should have been imported but could not be; the caller should not import a file with failures. */
  readonly failures: ImportNote[];
}

/** What a password field turned into. */
export type PasswordField =
  | { readonly ok: true; readonly passwordHash: string | null; readonly clearPassword?: string }
  | { readonly ok: false; readonly reason: string };

const HASH_FAILURE_TEXT: Readonly<Record<HashImportFailure, string>> = {
  [HashImportFailure.Unsupported]:
    'unsupported hash scheme (MD5, NT, DES/MD5 crypt, yescrypt and $2x$ bcrypt cannot be verified; reset the password)',
  [HashImportFailure.Malformed]: 'malformed hash, or its cost is out of range',
  [HashImportFailure.Unrecognised]: 'unrecognised hash format',
};

/** Human text for a hash failure; it names the problem, never the value. */
export function describeHashFailure(reason: HashImportFailure): string {
  return HASH_FAILURE_TEXT[reason];
}

/** Interprets a hash field (`{SSHA256}…`, `$6$…`, `{CLEARTEXT}…` …) as stored hash or clear password. */
export function passwordFromHashField(text: string): PasswordField {
  const result = canonicalizeImportedHash(text);
  if (!result.ok) return { ok: false, reason: describeHashFailure(result.reason) };
  return result.kind === 'hash'
    ? { ok: true, passwordHash: result.hash }
    : clearPasswordField(result.password);
}

/** A clear password to be hashed by the caller; one that could never be typed in is refused (user-rules). */
export function clearPasswordField(password: string): PasswordField {
  const problem = passwordProblem(password);
  return problem === undefined
    ? { ok: true, passwordHash: null, clearPassword: password }
    : { ok: false, reason: problem };
}

/** Remembers the first line of every user name, so a second entry for the same user is a failure. */
export class SeenNames {
  readonly #firstLine = new Map<string, number>();

  /** @returns the line of the earlier entry, or undefined (and records this one) */
  check(name: string, line: number): number | undefined {
    const earlier = this.#firstLine.get(name);
    if (earlier === undefined) this.#firstLine.set(name, line);
    return earlier;
  }
}
