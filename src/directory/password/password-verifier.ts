// Owns the local first-factor PasswordVerifier: argon2id for our hashes, legacy formats for imported ones.
import { randomBytes } from 'node:crypto';
import type { PasswordVerifier, PreparedHash } from '../../domain/ports.js';
import {
  type Argon2Params,
  argon2Limits,
  DEFAULT_ARGON2_PARAMS,
  hashArgon2id,
  isCurrentArgon2id,
  verifyArgon2,
} from './argon2id.js';
import { passwordAsUtf8 } from './crypt-hash.js';
import { DeadlineGate } from './deadline-gate.js';
import { classifyStoredHash, FOREIGN_ARGON2_HEADER, type StoredHash } from './legacy-hash.js';
import { PreparedShaHash, prepareShaHash, verifyPreparedShaHash, verifyShaHash } from './salted-sha.js';
import { createWorkerPool, type WorkerPoolOptions } from './worker-pool.js';

export interface PasswordVerifierOptions {
  /** argon2id cost for new hashes and for `needsRehash`; default OWASP m=19456, t=2, p=1. */
  readonly argon2?: Partial<Argon2Params>;
  /** Secret mixed into our argon2id hashes, kept outside the database (docs/security.md A9.2). */
  readonly pepper?: Uint8Array;
  /** The worker pool that runs SHA-crypt and bcrypt. */
  readonly workerPool?: WorkerPoolOptions;
  /** Verifications running at once; the rest queue where stale ones are shed. Default: libuv's pool size. */
  readonly concurrency?: number;
}

/** A stored hash that `classifyStoredHash` reads as SHA (`{SSHA256}…`, not `{ARGON2}…`). */
const isShaText = (stored: string): boolean =>
  stored.startsWith('{') && !stored.startsWith(FOREIGN_ARGON2_HEADER);

/**
 * What `prepare` returns for all but SHA hashes (those get a PreparedShaHash): the classified hash, undefined when
 * no scheme here verifies it (then always false).
 */
class Prepared {
  constructor(readonly stored: StoredHash | undefined) {
    Object.freeze(this);
  }
}

/** The port plus `close()`, which stops the crypt worker threads, and the count of shed verifications. */
export type ClosablePasswordVerifier = PasswordVerifier & { close(): Promise<void>; readonly shed: number };

/**
 * Creates the local password verifier. Dispatches on the stored hash's prefix:
 * `{SSHA256}`/`{SSHA512}`/`{SSHA}`/`{SHA…}` synchronously on the calling thread (a plain boolean);
 * `$argon2…` on the libuv pool; `$5$`/`$6$`/`$2a|b|y$` on a worker thread (both a promise).
 * Unknown or garbage hashes give `false` and never throw. A crypt check rejects only when the pool itself fails
 * (`WorkerPoolError`: `POOL_CLOSED`, `POOL_OVERLOADED`, `WORKER_FAILED`).
 * @throws RangeError when the argon2 parameters are impossible
 */
export function createPasswordVerifier(options: PasswordVerifierOptions = {}): ClosablePasswordVerifier {
  const params: Argon2Params = { ...DEFAULT_ARGON2_PARAMS, ...options.argon2 };
  checkParams(params);
  const limits = argon2Limits(params);
  const pepper = options.pepper === undefined ? undefined : Uint8Array.from(options.pepper);
  const pool = createWorkerPool(options.workerPool);
  const gate = new DeadlineGate(options.concurrency ?? libuvPoolSize());
  // docs/security.md A3.7: unknown users pay for a real argon2id verification against a hash nobody can match.
  const dummyHash = hashArgon2id(randomBytes(32), params, pepper);
  dummyHash.catch(() => undefined);

  return {
    verify(storedHash, password, deadline) {
      // The login path's usual case first: an {SSHA256}-style hash the login index prepared.
      if (storedHash instanceof PreparedShaHash) return verifyPreparedShaHash(storedHash, password);
      let stored: StoredHash | undefined;
      if (typeof storedHash === 'string') stored = classifyStoredHash(storedHash);
      // Only an object `prepare` made is trusted as parsed; anything else (null from JavaScript) verifies nothing.
      else if (storedHash instanceof Prepared) stored = storedHash.stored;
      if (stored === undefined) return false;
      switch (stored.kind) {
        case 'sha':
          return verifyShaHash(stored.sha, password);
        case 'argon2': {
          const hash = stored.hash;
          return gate.run(deadline, () => verifyArgon2(hash, password, pepper, limits));
        }
        case 'foreign-argon2': {
          const hash = stored.hash;
          return gate.run(deadline, () => verifyArgon2(hash, password, undefined, limits));
        }
        case 'crypt': {
          const text = passwordAsUtf8(password);
          if (text === undefined) return false;
          const task = { scheme: stored.crypt.scheme, hash: stored.hash, password: text };
          return gate.run(deadline, () => pool.run(task));
        }
        default:
          return false;
      }
    },
    prepare(storedHash) {
      if (typeof storedHash !== 'string') return new Prepared(undefined) as unknown as PreparedHash;
      // SHA hashes (imported from LDAP or FreeRADIUS) are most of a large site's users: one object each.
      const sha = isShaText(storedHash) ? prepareShaHash(storedHash) : undefined;
      if (sha !== undefined) return sha as unknown as PreparedHash;
      return new Prepared(classifyStoredHash(storedHash)) as unknown as PreparedHash;
    },
    verifyDummy(password, deadline) {
      return gate.run(deadline, () =>
        dummyHash.then(
          (hash) => verifyArgon2(hash, password, pepper, limits),
          () => false,
        ),
      );
    },
    needsRehash(storedHash) {
      return !isCurrentArgon2id(storedHash, params);
    },
    hash(password) {
      return hashArgon2id(password, params, pepper);
    },
    close() {
      return pool.close();
    },
    get shed() {
      return gate.shed;
    },
  };
}

/** argon2 runs on libuv's thread pool: as many at once as it has threads (UV_THREADPOOL_SIZE, default 4). */
function libuvPoolSize(): number {
  const size = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

// RFC 9106 §3.1: p in 1..2^24-1, m ≥ 8p KiB, t ≥ 1; @node-rs/argon2 caps p at 255.
function checkParams(params: Argon2Params): void {
  const { memoryCost, timeCost, parallelism } = params;
  const integers = [memoryCost, timeCost, parallelism].every((n) => Number.isSafeInteger(n) && n >= 1);
  if (!integers || parallelism > 255 || memoryCost < 8 * parallelism || memoryCost > 0xffffffff) {
    throw new RangeError(
      `argon2 parameters must be integers with 1 ≤ p ≤ 255, m ≥ 8p, t ≥ 1; got m=${memoryCost}, t=${timeCost}, p=${parallelism}`,
    );
  }
}
