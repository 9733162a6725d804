// Owns the second-factor token model (TOTP, HOTP, backup codes) and the TokenStore port.

import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { packKeysWithPadStates } from '../otp/hmac-sha1.js';
import { OtpAlgorithm } from '../otp/otp-algorithm.js';
import type { Awaitable } from './awaitable.js';

export type { OtpAlgorithm };

export const TokenType = { Totp: 'totp', Hotp: 'hotp', Backup: 'backup' } as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/** True for 'totp', 'hotp' or 'backup'. */
export function isTokenType(value: unknown): value is TokenType {
  return value === 'totp' || value === 'hotp' || value === 'backup';
}

/** A token of one user. The secret is in clear here; stores keep it sealed at rest (docs/security.md A9.1). */
export interface Token {
  readonly id: number;
  /** Unique, printable; what admins and logs name the token by (e.g. `ASNT04718263`). */
  readonly serial: string;
  readonly userName: string;
  readonly type: TokenType;
  /** The OTP seed; for a backup token the salt of its code hashes (secret too, so hashes cannot be searched). */
  readonly secret: Uint8Array;
  readonly algorithm: OtpAlgorithm;
  readonly digits: number;
  /** TOTP seconds per step; stored (30) but unused for other types. */
  readonly period: number;
  /**
   * docs/security.md A6.4 replay guard: the last accepted TOTP step or HOTP counter, −1 when none. Changed only through
   * {@link TokenStore.recordSuccess}, which is a compare-and-set.
   */
  readonly lastUsed: number;
  /** Learned clock drift in steps (TOTP, A6.2). */
  readonly drift: number;
  /** Consecutive failures since the last success or reset (A6.5). */
  readonly failures: number;
  /** ISO time until which the token refuses every code, or null. */
  readonly lockedUntil: string | null;
  readonly label: string;
  readonly createdAt: string;
}

export interface NewToken {
  readonly serial: string;
  readonly userName: string;
  readonly type: TokenType;
  readonly secret: Uint8Array;
  readonly algorithm: OtpAlgorithm;
  readonly digits: number;
  readonly period?: number;
  /** HOTP: counter of the last code already used (next code is lastUsed + 1); default −1. */
  readonly lastUsed?: number;
  readonly label?: string;
  /** Backup tokens only: {@link hashBackupCode} of each one-time code. */
  readonly backupCodeHashes?: readonly Uint8Array[];
}

/** The compare-and-set arguments of {@link TokenStore.recordSuccess}. */
export interface TokenSuccess {
  /** The `lastUsed` the caller read before verifying. */
  readonly expectedLastUsed: number;
  /** The step or counter just accepted; must be greater than `expectedLastUsed`. */
  readonly newLastUsed: number;
  readonly drift: number;
}

/**
 * Second-factor tokens. Value or promise like the other stores (`UserStore`). Methods throw `StoreError` for broken infrastructure
 * (including a sealed secret that does not open, A9.4) and `ALREADY_EXISTS` for a duplicate serial.
 */
export interface TokenStore {
  /** The user's tokens, oldest first. */
  listForUser(userName: string): Awaitable<Token[]>;
  /** Every token, oldest first (admin listing). */
  list(): Awaitable<Token[]>;
  getBySerial(serial: string): Awaitable<Token | undefined>;
  /**
   * @throws StoreError `ALREADY_EXISTS` for a serial in use; `CONFLICT` when the rules of `tokenConflict`
   *   (src/domain/token-admission.ts) refuse it: another spelling of the user holds tokens, or the user already
   *   holds this secret
   */
  add(token: NewToken): Awaitable<Token>;
  /** Adds all or none, in one transaction, each checked as by `add` (also against the others of the batch). */
  addMany(tokens: readonly NewToken[]): Awaitable<number>;
  /** Removes a token and its backup codes; false when no such serial. */
  remove(serial: string): Awaitable<boolean>;
  /** Renames a token (what `label` shows); false when no such serial. Nothing else of the token changes. */
  setLabel(serial: string, label: string): Awaitable<boolean>;
  /**
   * docs/security.md A6.4: atomically moves `lastUsed` from `expectedLastUsed` to `newLastUsed` (and stores drift).
   * Returns false when another request (or node) got there first, or `newLastUsed` is not greater: the code is then
   * a replay and must be refused.
   */
  recordSuccess(serial: string, success: TokenSuccess): Awaitable<boolean>;
  /**
   * Several compare-and-sets of distinct serials at once, each with `recordSuccess`'s meaning and result, in the
   * order given. Optional: a store over a network (PostgreSQL) offers it so one round trip serves a whole batch.
   */
  recordSuccesses?(items: readonly { serial: string; success: TokenSuccess }[]): Awaitable<boolean[]>;
  /** A6.5: one more consecutive failure; returns the new count, or undefined when no such serial. */
  recordFailure(serial: string, now: Date): Awaitable<number | undefined>;
  /** A6.5: clears the failure count and any lock; false when no such serial. */
  resetFailures(serial: string): Awaitable<boolean>;
  /** Sets or clears (null) the lock; false when no such serial. */
  setLockedUntil(serial: string, lockedUntil: string | null): Awaitable<boolean>;
  /** Marks an unused backup code as used, atomically; false when unknown, already used or no such token. */
  useBackupCode(serial: string, codeHash: Uint8Array, now: Date): Awaitable<boolean>;
  /** How many backup codes of the token are still unused (0 for other types or unknown serials). */
  unusedBackupCodes(serial: string): Awaitable<number>;
}

/** Serials look like `ASNT` + 8 random digits; imported serials may be any of these characters. */
export const SERIAL_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A new random serial, `ASNT` + 8 digits. Collisions are possible; the store refuses them and callers retry. */
export function generateSerial(): string {
  return `ASNT${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

/** Digits of one backup code. */
export const BACKUP_CODE_DIGITS = 10;

/** How many digits a code of this token has, which is how a `concat` password is split (backup codes: 10). */
export function codeLength(token: { readonly type: string; readonly digits: number }): number {
  return token.type === TokenType.Backup ? BACKUP_CODE_DIGITS : token.digits;
}

/** The distinct code lengths of a user's tokens, oldest token first (frozen): what the token-holder index says. */
export function distinctCodeLengths(tokens: readonly Token[]): readonly number[] {
  const lengths: number[] = [];
  for (const token of tokens) {
    const length = codeLength(token);
    if (!lengths.includes(length)) lengths.push(length);
  }
  if (lengths.length !== 1) return Object.freeze(lengths);
  // Most users hold one kind of token: they share one array instead of holding one each.
  const shared = singleLengths.get(lengths[0]!);
  if (shared !== undefined) return shared;
  singleLengths.set(lengths[0]!, Object.freeze(lengths));
  return lengths;
}

const singleLengths = new Map<number, readonly number[]>();

/** `count` one-time backup codes of 10 digits each from the CSPRNG (about 33 bits each). */
export function generateBackupCodes(count: number): string[] {
  return Array.from({ length: count }, () =>
    Array.from({ length: BACKUP_CODE_DIGITS }, () => String(randomInt(0, 10))).join(''),
  );
}

/**
 * docs/security.md A9.2: backup codes are stored hashed only: SHA-256(salt ‖ code), the salt being the token's sealed
 * secret, so a stolen database without the key file gives nothing to brute-force the 10^10 codes against.
 */
export function hashBackupCode(salt: Uint8Array, code: string): Uint8Array {
  const digits = code.replace(/[\s-]/g, '');
  return new Uint8Array(createHash('sha256').update(salt).update(digits, 'utf8').digest());
}

/** Constant-time equality of two code hashes. */
export function backupHashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether codes of `token` are checked by the hand-written HMAC-SHA-1, whose keys can be packed for it. */
export function hasSha1Key(token: Pick<Token, 'algorithm'>): boolean {
  return token.algorithm === OtpAlgorithm.SHA1;
}

/**
 * Copies of the keys of `tokens` (SHA-1 ones: `hasSha1Key`), in order, each beside its HMAC-SHA-1 pad states in one
 * shared slab (otp/hmac-sha1.ts): the login index does this at load, so a first login does no key set-up.
 */
export function packSha1Keys(tokens: readonly Token[]): Uint8Array[] {
  return packKeysWithPadStates(tokens.map((token) => token.secret));
}
