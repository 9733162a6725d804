// Owns the narrow interfaces (ports) the use cases need from stores and first-factor sources.
import type { Awaitable } from './awaitable.js';
import type { Client, NewClient } from './client.js';
import type { NewUser, User, UserStatus } from './user.js';

/**
 * Local users. Every method returns a value or a promise (`Awaitable`): the embedded adapter (better-sqlite3)
 * answers at once, PostgreSQL after a round trip; the RADIUS hot path reads through a cache whose hits stay
 * synchronous. Methods throw (or reject with) `StoreError` for broken infrastructure.
 */
export interface UserStore {
  getByName(name: string): Awaitable<User | undefined>;
  list(): Awaitable<User[]>;
  /** @throws StoreError code `ALREADY_EXISTS` */
  add(user: NewUser): Awaitable<User>;
  /** @returns false when no such user */
  setPasswordHash(name: string, passwordHash: string | null): Awaitable<boolean>;
  setStatus(name: string, status: UserStatus): Awaitable<boolean>;
  setGroups(name: string, groups: readonly string[]): Awaitable<boolean>;
  remove(name: string): Awaitable<boolean>;
  count(): Awaitable<number>;
  /** Adds or replaces many users in one transaction; returns how many were added and updated. */
  upsertMany(users: readonly NewUser[]): Awaitable<{ added: number; updated: number }>;
}

declare const preparedHashBrand: unique symbol;
/** A stored hash as `PasswordVerifier.prepare` parsed it; only that verifier reads what is inside. */
export type PreparedHash = { readonly [preparedHashBrand]: true };

/**
 * A user as a user cache holds it for the login path, with a slot for its parsed password hash (filled when the
 * login index loads, or at the user's first login when users are read lazily). The slot lives exactly as long as this entry: any change to the user replaces the entry, so
 * nothing derived from an old password hash or old groups can outlive them.
 */
export interface LoginUser {
  readonly user: User;
  /** The user's password hash, parsed once (`PasswordVerifier.prepare`). */
  preparedHash: PreparedHash | undefined;
}

/** A user store that keeps `LoginUser` entries (the server's cache); a plain store has no such method. */
export interface LoginUserSource {
  loginUser(name: string): LoginUser | undefined;
}

/** RADIUS clients (NAS). Secrets are returned in clear; the adapter seals them at rest. */
export interface ClientStore {
  list(): Awaitable<Client[]>;
  getByName(name: string): Awaitable<Client | undefined>;
  /** @throws StoreError code `ALREADY_EXISTS` (same name or same address) */
  add(client: NewClient): Awaitable<Client>;
  /** Removes by name or by exact address; returns false when nothing matched. */
  remove(nameOrAddress: string): Awaitable<boolean>;
  /** Gives the named client a new shared secret (a rotation); false when no client has that name. */
  replaceSecret(name: string, secret: Uint8Array): Awaitable<boolean>;
}

export const StoreErrorCode = {
  AlreadyExists: 'ALREADY_EXISTS',
  /** The new record is unique but clashes with what is held (issue 12: a second spelling, a copied secret). */
  Conflict: 'CONFLICT',
  Unavailable: 'STORE_UNAVAILABLE',
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** A request's deadline passed while it waited for its turn: it is not computed (issue 12 item 9). */
export class StaleRequestError extends Error {
  override readonly name = 'StaleRequestError';
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Verifies a first-factor password against a stored hash. Returns a plain boolean when the check is cheap
 * (salted SHA-2) and a promise when it runs off the event loop (argon2id, bcrypt, crypt), so the hot path
 * pays for a promise only when the work is really asynchronous.
 */
export interface PasswordVerifier {
  /**
   * Checks a stored hash as text, or as `prepare` returned it (then without parsing it again). Work that waits
   * for its turn past `deadline` (epoch ms: the NAS has given up) is not done: the promise rejects with a
   * `StaleRequestError` (issue 12).
   */
  verify(
    storedHash: string | PreparedHash,
    password: Uint8Array,
    deadline?: number,
  ): boolean | Promise<boolean>;
  /**
   * Parses a stored hash once, for a cache that keeps the result with the user: the login path then costs no
   * parse and no lookup in a table of parsed hashes. A hash it cannot verify still prepares (verify says false).
   */
  prepare?(storedHash: string): PreparedHash;
  /** A verification of the same cost as a real one, for unknown users (docs/security.md A3.7). */
  verifyDummy(password: Uint8Array, deadline?: number): boolean | Promise<boolean>;
  /** True when the hash is not argon2id with the current parameters and should be replaced after a login. */
  needsRehash(storedHash: string): boolean;
  /** argon2id PHC string for a new password, computed off the event loop. */
  hash(password: Uint8Array | string): Promise<string>;
}
