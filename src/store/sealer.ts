// Owns sealing secrets at rest: AES-256-GCM under a key-encryption key kept in a file outside the database.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Seals and opens small secrets; `aad` names the row and column so a sealed value cannot be moved. */
export interface Sealer {
  /** @returns `v1.<base64url iv>.<base64url ciphertext+tag>` */
  seal(plaintext: Uint8Array, aad: string): string;
  /** @throws SealError `SEAL_KEY_MISMATCH` when the key or the aad differ, `SEAL_FORMAT` for a malformed value */
  open(sealed: string, aad: string): Uint8Array;
}

export const SealErrorCode = {
  KeyFileMissing: 'KEY_FILE_MISSING',
  KeyFileUnreadable: 'KEY_FILE_UNREADABLE',
  KeyFileInvalid: 'KEY_FILE_INVALID',
  KeyFilePermissions: 'KEY_FILE_PERMISSIONS',
  KeyFileExists: 'KEY_FILE_EXISTS',
  KeyMismatch: 'SEAL_KEY_MISMATCH',
  Format: 'SEAL_FORMAT',
} as const;
export type SealErrorCode = (typeof SealErrorCode)[keyof typeof SealErrorCode];

export class SealError extends Error {
  override readonly name = 'SealError';
  constructor(
    readonly code: SealErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const KEY_BYTES = 32;
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit random IVs
const TAG_BYTES = 16;
const VERSION = 'v1';

/** A sealer over a raw 32-byte key (for keys from the environment, a KMS, or tests). */
export function createSealer(key: Uint8Array): Sealer {
  if (key.length !== KEY_BYTES) {
    throw new SealError(
      SealErrorCode.KeyFileInvalid,
      `expected a ${KEY_BYTES}-byte key, got ${key.length} bytes`,
    );
  }
  const kek = Buffer.from(key); // a private copy: the caller may wipe or reuse its array
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, aad) {
      // indexOf rather than split: opening every token at start-up (the login index) makes this loop hot.
      const first = sealed.indexOf('.');
      const second = sealed.indexOf('.', first + 1);
      const iv = Buffer.from(sealed.slice(first + 1, second), 'base64url');
      const body = Buffer.from(sealed.slice(second + 1), 'base64url');
      if (
        first < 0 ||
        second < 0 ||
        sealed.indexOf('.', second + 1) >= 0 ||
        sealed.slice(0, first) !== VERSION ||
        iv.length !== IV_BYTES ||
        body.length < TAG_BYTES
      ) {
        throw new SealError(SealErrorCode.Format, `expected a ${VERSION} sealed value, got a malformed one`);
      }
      const decipher = createDecipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      try {
        const clear = decipher.update(body.subarray(0, body.length - TAG_BYTES));
        // GCM yields everything from update(); final() only checks the tag (and throws when it does not match).
        decipher.final();
        return new Uint8Array(clear.buffer, clear.byteOffset, clear.byteLength);
      } catch (error) {
        throw new SealError(
          SealErrorCode.KeyMismatch,
          `sealed value for ${aad} does not open: wrong key file, or the value belongs to another row`,
          { cause: error },
        );
      }
    },
  };
}

/**
 * Writes a new random key file (base64 line, mode 0600), creating its directory with mode 0700.
 * @throws SealError `KEY_FILE_EXISTS`: an existing key is never overwritten, since that would orphan every secret
 */
export function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SealError(SealErrorCode.KeyFileExists, `key file ${path} already exists; not overwriting it`);
    }
    throw new SealError(SealErrorCode.KeyFileUnreadable, `cannot create key file ${path}`, { cause: error });
  }
  try {
    fchmodSync(fd, 0o600); // the mode given to open is masked by the umask; make it exact
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
}

export interface LoadedSealer {
  readonly sealer: Sealer;
  /** Problems worth a log line that do not stop the server. */
  readonly warnings: string[];
}

function checkMode(path: string, mode: number, warnings: string[]): void {
  if (process.platform === 'win32') return; // POSIX modes mean nothing there
  if (mode & 0o022) {
    throw new SealError(
      SealErrorCode.KeyFilePermissions,
      `key file ${path} is writable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600`,
    );
  }
  if (mode & 0o044) {
    warnings.push(
      `key file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600`,
    );
  }
}

/**
 * Reads the key file and returns a sealer over it.
 * @throws SealError `KEY_FILE_MISSING`, `KEY_FILE_UNREADABLE`, `KEY_FILE_INVALID` (not base64 of 32 bytes),
 *   `KEY_FILE_PERMISSIONS` (group or others may write it)
 */
export function loadSealer(path: string): LoadedSealer {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'ascii');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SealError(
        SealErrorCode.KeyFileMissing,
        `key file ${path} does not exist (create it with assent init)`,
      );
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new SealError(SealErrorCode.KeyFileUnreadable, `cannot read key file ${path} (${code})`, {
      cause: error,
    });
  }
  const warnings: string[] = [];
  checkMode(path, mode, warnings);
  const line = text.trim();
  const key = Buffer.from(line, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(line) || key.length !== KEY_BYTES) {
    throw new SealError(
      SealErrorCode.KeyFileInvalid,
      `key file ${path}: expected one base64 line of ${KEY_BYTES} bytes, got ${key.length} bytes`,
    );
  }
  const sealer = createSealer(key);
  key.fill(0);
  return { sealer, warnings };
}
