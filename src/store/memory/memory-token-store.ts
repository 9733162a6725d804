// Owns the in-memory adapter of the TokenStore port, for unit tests of use cases.
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import {
  backupHashesEqual,
  type NewToken,
  type Token,
  type TokenStore,
  type TokenSuccess,
} from '../../domain/token.js';
import { HolderSpellings, tokenConflict } from '../../domain/token-admission.js';
import type { MemoryStoreOptions } from './memory-user-store.js';

interface BackupCode {
  readonly hash: Uint8Array;
  usedAt: string | null;
}

interface Entry {
  token: Token;
  readonly codes: BackupCode[];
}

/**
 * Tokens in a Map keyed by serial; secrets are copied in and out. Every method runs to completion on the one
 * JavaScript thread, so the compare-and-set of recordSuccess is atomic here without a lock.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, Entry>();
  readonly #now: () => Date;
  #nextId = 1;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  #copy(token: Token): Token {
    return { ...token, secret: new Uint8Array(token.secret) };
  }

  #sorted(filter: (token: Token) => boolean): Token[] {
    return [...this.#tokens.values()]
      .map((entry) => entry.token)
      .filter(filter)
      .sort((a, b) => a.id - b.id)
      .map((token) => this.#copy(token));
  }

  list(): Token[] {
    return this.#sorted(() => true);
  }

  listForUser(userName: string): Token[] {
    return this.#sorted((token) => token.userName === userName);
  }

  getBySerial(serial: string): Token | undefined {
    const entry = this.#tokens.get(serial);
    return entry ? this.#copy(entry.token) : undefined;
  }

  add(token: NewToken): Token {
    this.#checkNew([token]);
    return this.#insert(token);
  }

  addMany(tokens: readonly NewToken[]): number {
    this.#checkNew(tokens); // all or none, as in the SQLite transaction
    for (const token of tokens) this.#insert(token);
    return tokens.length;
  }

  #checkNew(tokens: readonly NewToken[]): void {
    const serials = new Set<string>();
    const held = [...this.#tokens.values()].map((entry) => entry.token);
    const spellings = new HolderSpellings(held.map((token) => token.userName));
    const batch: NewToken[] = [];
    for (const token of tokens) {
      if (this.#tokens.has(token.serial) || serials.has(token.serial)) {
        throw new StoreError(StoreErrorCode.AlreadyExists, 'a token with this serial already exists');
      }
      serials.add(token.serial);
      const ofUser = [...held, ...batch].filter((t) => t.userName === token.userName);
      const conflict = tokenConflict(token, ofUser, spellings.of(token.userName));
      if (conflict !== undefined)
        throw new StoreError(StoreErrorCode.Conflict, `token ${token.serial}: ${conflict}`);
      spellings.add(token.userName);
      batch.push(token);
    }
  }

  #insert(token: NewToken): Token {
    const stored: Token = {
      id: this.#nextId++,
      serial: token.serial,
      userName: token.userName,
      type: token.type,
      secret: new Uint8Array(token.secret),
      algorithm: token.algorithm,
      digits: token.digits,
      period: token.period ?? 30,
      lastUsed: token.lastUsed ?? -1,
      drift: 0,
      failures: 0,
      lockedUntil: null,
      label: token.label ?? '',
      createdAt: this.#now().toISOString(),
    };
    const codes = (token.backupCodeHashes ?? []).map((hash) => ({
      hash: new Uint8Array(hash),
      usedAt: null,
    }));
    this.#tokens.set(token.serial, { token: stored, codes });
    return this.#copy(stored);
  }

  remove(serial: string): boolean {
    return this.#tokens.delete(serial);
  }

  setLabel(serial: string, label: string): boolean {
    return this.#update(serial, (token) => ({ ...token, label }));
  }

  #update(serial: string, change: (token: Token) => Token | undefined): boolean {
    const entry = this.#tokens.get(serial);
    const next = entry ? change(entry.token) : undefined;
    if (!entry || !next) return false;
    entry.token = next;
    return true;
  }

  recordSuccess(serial: string, success: TokenSuccess): boolean {
    const { expectedLastUsed, newLastUsed, drift } = success;
    // docs/security.md A6.4: same condition as the SQLite UPDATE … WHERE last_used = expected.
    return this.#update(serial, (token) =>
      token.lastUsed === expectedLastUsed && newLastUsed > token.lastUsed
        ? { ...token, lastUsed: newLastUsed, drift }
        : undefined,
    );
  }

  recordFailure(serial: string, _now: Date): number | undefined {
    const entry = this.#tokens.get(serial);
    if (!entry) return undefined;
    entry.token = { ...entry.token, failures: entry.token.failures + 1 };
    return entry.token.failures;
  }

  resetFailures(serial: string): boolean {
    return this.#update(serial, (token) => ({ ...token, failures: 0, lockedUntil: null }));
  }

  setLockedUntil(serial: string, lockedUntil: string | null): boolean {
    return this.#update(serial, (token) => ({ ...token, lockedUntil }));
  }

  useBackupCode(serial: string, codeHash: Uint8Array, now: Date): boolean {
    const entry = this.#tokens.get(serial);
    if (entry?.token.type !== 'backup') return false;
    const code = entry.codes.find((c) => c.usedAt === null && backupHashesEqual(c.hash, codeHash));
    if (!code) return false;
    code.usedAt = now.toISOString();
    return true;
  }

  unusedBackupCodes(serial: string): number {
    return this.#tokens.get(serial)?.codes.filter((c) => c.usedAt === null).length ?? 0;
  }
}
