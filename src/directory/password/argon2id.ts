// Owns Argon2 hashing and verification (argon2id for new hashes; argon2i/argon2d only to verify imports).
import { hash as argon2Hash, verify as argon2Verify, parseOptions } from '@node-rs/argon2';

/** Argon2id cost parameters; `memoryCost` is in KiB. */
export interface Argon2Params {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, second argon2id option: m=19 MiB, t=2, p=1. */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

// @node-rs/argon2 declares its enums as ambient `const enum`s, which isolatedModules cannot read: use the values.
const ALGORITHM_ARGON2ID = 2;
const VERSION_0X13 = 1;
const OUTPUT_LENGTH = 32;

/**
 * Ceilings for parameters read from a stored hash. An imported or tampered hash must not make one verification
 * allocate gigabytes or run for minutes; the configured parameters always pass.
 */
const STORED_LIMITS: Argon2Params = { memoryCost: 262144, timeCost: 16, parallelism: 16 };

const ARGON2_PREFIX = /^\$argon2(?:id|i|d)\$/;

/** True when `stored` looks like an Argon2 PHC string (`$argon2id$`, `$argon2i$`, `$argon2d$`). */
export function isArgon2Hash(stored: string): boolean {
  return ARGON2_PREFIX.test(stored);
}

/**
 * Hashes `password` with argon2id. @node-rs/argon2 runs the work on the libuv thread pool, off the event loop.
 * @param pepper secret key mixed into the hash (docs/security.md A9.2); the same pepper is needed to verify.
 * @returns PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`
 */
export function hashArgon2id(
  password: Uint8Array | string,
  params: Argon2Params,
  pepper?: Uint8Array,
): Promise<string> {
  return argon2Hash(password, {
    algorithm: ALGORITHM_ARGON2ID,
    version: VERSION_0X13,
    outputLen: OUTPUT_LENGTH,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    ...(pepper === undefined ? {} : { secret: pepper }),
  });
}

/**
 * Verifies `password` against an Argon2 PHC string off the event loop. Malformed hashes and hashes whose cost
 * exceeds `allowed` (default: the stored-hash ceilings) resolve to false; this never rejects.
 */
export async function verifyArgon2(
  stored: string,
  password: Uint8Array,
  pepper?: Uint8Array,
  allowed: Argon2Params = STORED_LIMITS,
): Promise<boolean> {
  if (!isArgon2Hash(stored) || !withinLimits(stored, allowed)) return false;
  try {
    return await argon2Verify(stored, password, pepper === undefined ? undefined : { secret: pepper });
  } catch {
    return false;
  }
}

/** The larger of the stored-hash ceilings and `params`, so the configured cost is always verifiable. */
export function argon2Limits(params: Argon2Params): Argon2Params {
  return {
    memoryCost: Math.max(STORED_LIMITS.memoryCost, params.memoryCost),
    timeCost: Math.max(STORED_LIMITS.timeCost, params.timeCost),
    parallelism: Math.max(STORED_LIMITS.parallelism, params.parallelism),
  };
}

/** True when `stored` is argon2id, version 0x13, 32-byte output, made with exactly `params`. */
export function isCurrentArgon2id(stored: string, params: Argon2Params): boolean {
  if (!stored.startsWith('$argon2id$')) return false;
  try {
    const parsed = parseOptions(stored);
    return (
      parsed.algorithm === ALGORITHM_ARGON2ID &&
      parsed.version === VERSION_0X13 &&
      parsed.outputLen === OUTPUT_LENGTH &&
      parsed.memoryCost === params.memoryCost &&
      parsed.timeCost === params.timeCost &&
      parsed.parallelism === params.parallelism
    );
  } catch {
    return false;
  }
}

/** True when `stored` is a well-formed Argon2 PHC string whose cost stays within `limits`. */
export function isAcceptableArgon2Hash(stored: string, limits: Argon2Params = STORED_LIMITS): boolean {
  return isArgon2Hash(stored) && withinLimits(stored, limits);
}

function withinLimits(stored: string, limits: Argon2Params): boolean {
  try {
    const parsed = parseOptions(stored);
    return (
      parsed.memoryCost <= limits.memoryCost &&
      parsed.timeCost <= limits.timeCost &&
      parsed.parallelism <= limits.parallelism
    );
  } catch {
    return false;
  }
}
