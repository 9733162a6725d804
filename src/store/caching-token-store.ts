// Owns the server's token cache and group commit: decoded tokens in memory, replay-guard writes batched per tick.
import type { Awaitable } from '../domain/awaitable.js';
import type { NewToken, Token, TokenStore, TokenSuccess } from '../domain/token.js';
import type { Follows } from './caching-user-store.js';
import { ReplayGuardWrites } from './replay-guard-writes.js';
import type { ReplayJournal } from './replay-journal.js';
import { type MutableToken, TokenCache } from './token-cache.js';

/**
 * Tokens from memory. Complete mode (after `load`, `storage.loginIndex: memory`): every token was read and
 * unsealed at start, so a user with none here holds none, answered without a query; a user some writer changed is
 * marked by `refreshUser` (the change feed) and read again at its next use. Lazy mode: a user's tokens are read
 * and unsealed at their first use, then served from memory. `invalidateAll` (the feed lost track) reads again.
 *
 * Replay guard (SECURITY A6.4) with group commit: `recordSuccessBatched` does the compare-and-set in memory at once
 * (so two requests in this process can never both win) and queues the durable record; the queue is flushed once
 * per event-loop turn. With a journal the batch is appended there and synced with the batches around it (at most
 * one sync per `storage.replaySyncMs`), and every caller of the turn shares one promise; without one, all queued
 * compare-and-sets run in one database transaction. The caller answers Accept only when the promise says the use
 * is durable, so a code is never accepted before that, and a writer that raced us in the database wins there.
 *
 * Over a store that answers with promises (PostgreSQL), a read the cache cannot answer returns a promise that every
 * read of the same user joins; a read that a change overtook (`refreshUser`, a write) answers its callers but is not
 * kept. A batch of compare-and-sets is answered once every one of them is.
 *
 * What memory holds is a TokenCache; the durable half of the replay guard is ReplayGuardWrites.
 */
export class CachingTokenStore<Inner extends TokenStore = TokenStore> implements TokenStore {
  private readonly cache: TokenCache;
  /** Reads of one user's tokens still in flight, by user; a change to the user removes its read from here. */
  private readonly reading = new Map<string, Promise<Token[]>>();
  /** While `invalidateAll` waits for every token: users changed since it asked, read again once it has them. */
  private relisting: Set<string> | undefined;
  private readonly writes: ReplayGuardWrites;

  constructor(
    private readonly inner: Inner,
    /** Runs `fn` inside one database transaction. */
    transaction: (fn: () => void) => void,
    /** Accepted steps go here, not to the token table; tokens read back are raised to its marks. */
    private readonly journal?: ReplayJournal,
    maxUsers = 500_000,
  ) {
    this.cache = new TokenCache(maxUsers);
    this.writes = new ReplayGuardWrites(inner, transaction, journal, (userName) => this.dropUser(userName));
  }

  /** True once every token is in memory (`load`). */
  get isComplete(): boolean {
    return this.cache.isComplete;
  }

  /** Holds exactly `tokens` (every token of the store, read after the change feed's start) and turns complete. */
  load(tokens: readonly Token[]): void {
    this.reading.clear();
    // Every token may log in during the first rush after start: its mark's room is made now, not then.
    this.journal?.reserve(tokens.length);
    this.cache.load(this.withJournal(tokens as Token[]) as MutableToken[]);
  }

  /** Forgets one user's tokens (some writer changed them); the next use reads the store. */
  refreshUser(userName: string): void {
    this.dropUser(userName);
  }

  /**
   * Forgets every cached token (the change feed lost track); complete mode reads them all again. Queued writes
   * still commit. Over a store that answers with promises, what is held answers until the new list is in; if the
   * list cannot be read, the cache turns lazy, so that every read asks the store rather than trusting memory.
   */
  invalidateAll(): Follows<Inner, 'list', void> {
    return this.reloadAll() as Follows<Inner, 'list', void>;
  }

  private reloadAll(): Awaitable<void> {
    if (!this.cache.isComplete) {
      this.cache.clear();
      this.reading.clear();
      return;
    }
    const tokens = this.inner.list();
    if (!(tokens instanceof Promise)) {
      this.load(tokens);
      return;
    }
    const changed = new Set<string>();
    this.relisting = changed;
    return tokens.then(
      (listed) => {
        // A later invalidateAll asked again: its list is the one to keep.
        if (this.relisting !== changed) return;
        this.relisting = undefined;
        this.load(listed);
        for (const userName of changed) this.dropUser(userName);
      },
      (error: unknown) => {
        if (this.relisting === changed) {
          this.relisting = undefined;
          this.cache.turnLazy();
          this.reading.clear();
        }
        throw error;
      },
    );
  }

  listForUser(userName: string): Follows<Inner, 'listForUser', Token[]> {
    const hit = this.cache.user(userName);
    if (hit !== undefined) return hit.tokens as Follows<Inner, 'listForUser', Token[]>;
    if (this.cache.holdsNone(userName)) {
      const none: Token[] = [];
      return none as Follows<Inner, 'listForUser', Token[]>;
    }
    return this.read(userName) as Follows<Inner, 'listForUser', Token[]>;
  }

  /** The user's distinct code lengths when their tokens are cached; else undefined (ask the token-holder index). */
  cachedCodeLengths(userName: string): readonly number[] | undefined {
    return this.cache.user(userName)?.codeLengths;
  }

  private read(userName: string): Awaitable<Token[]> {
    const pending = this.reading.get(userName);
    if (pending !== undefined) return pending;
    const listed = this.inner.listForUser(userName);
    if (!(listed instanceof Promise)) return this.keep(userName, listed);
    const read: Promise<Token[]> = listed.then(
      (tokens) => {
        const current = this.reading.get(userName) === read;
        if (current) this.reading.delete(userName);
        // Overtaken by a change: this read answers the reads that waited for it, and is not kept.
        return current ? this.keep(userName, tokens) : this.withJournal(tokens);
      },
      (error: unknown) => {
        if (this.reading.get(userName) === read) this.reading.delete(userName);
        throw error;
      },
    );
    this.reading.set(userName, read);
    return read;
  }

  private keep(userName: string, listed: Token[]): Token[] {
    const tokens = this.withJournal(listed);
    this.cache.keep(userName, tokens);
    return tokens;
  }

  /**
   * The in-memory compare-and-set, then the queued durable record. Returns false at once when memory already
   * says replay; otherwise a promise of the verdict (with a journal, one promise shared by the turn's batch).
   */
  recordSuccessBatched(serial: string, success: TokenSuccess): false | Promise<boolean> {
    const token = this.cache.token(serial);
    if (token !== undefined) {
      if (token.lastUsed !== success.expectedLastUsed || success.newLastUsed <= token.lastUsed) return false;
      // In place: the cache owns these objects, and a copy per login would only feed the garbage collector.
      token.lastUsed = success.newLastUsed;
      token.drift = success.drift;
      if (this.journal !== undefined) {
        // The journal's marks move with memory, so a reload before the next sync still sees this use.
        this.journal.raise(token.id, success.newLastUsed, success.drift);
        return this.writes.journaled(token.id, success.newLastUsed, success.drift, token.userName);
      }
    }
    const userName = token?.userName ?? '';
    return this.writes.queued(serial, userName, success);
  }

  /**
   * Commits every queued success (the journal batch and the database batch) and tells each caller the verdict.
   * Never rejects; answers when the database batch is answered (at once when the inner store answers values).
   */
  flush(): Awaitable<void> {
    return this.writes.flush();
  }

  /** Raises tokens read from the database to what the journal already recorded (A6.4: only forward). */
  private withJournal(tokens: Token[]): Token[] {
    if (this.journal === undefined) return tokens;
    return tokens.map((token) => {
      const mark = this.journal!.mark(token.id);
      return mark !== undefined && mark.lastUsed > token.lastUsed
        ? { ...token, lastUsed: mark.lastUsed, drift: mark.drift }
        : token;
    });
  }

  /** Forgets one user's cached tokens, so the next read goes to the database. */
  private dropUser(userName: string): void {
    this.reading.delete(userName);
    this.relisting?.add(userName);
    this.cache.drop(userName);
  }

  // Everything below passes through and drops the user's cached tokens, so the next read sees the change.

  recordSuccess(serial: string, success: TokenSuccess): Follows<Inner, 'recordSuccess', boolean> {
    return this.dropping(serial, () => this.inner.recordSuccess(serial, success)) as Follows<
      Inner,
      'recordSuccess',
      boolean
    >;
  }

  list(): Follows<Inner, 'list', Token[]> {
    return this.inner.list() as Follows<Inner, 'list', Token[]>;
  }

  getBySerial(serial: string): Follows<Inner, 'getBySerial', Token | undefined> {
    return this.inner.getBySerial(serial) as Follows<Inner, 'getBySerial', Token | undefined>;
  }

  add(token: NewToken): Follows<Inner, 'add', Token> {
    return this.droppingUsers([token.userName], () => this.inner.add(token)) as Follows<Inner, 'add', Token>;
  }

  addMany(tokens: readonly NewToken[]): Follows<Inner, 'addMany', number> {
    return this.droppingUsers(
      tokens.map((token) => token.userName),
      () => this.inner.addMany(tokens),
    ) as Follows<Inner, 'addMany', number>;
  }

  remove(serial: string): Follows<Inner, 'remove', boolean> {
    return this.dropping(serial, () => this.inner.remove(serial)) as Follows<Inner, 'remove', boolean>;
  }

  setLabel(serial: string, label: string): Follows<Inner, 'setLabel', boolean> {
    return this.dropping(serial, () => this.inner.setLabel(serial, label)) as Follows<
      Inner,
      'setLabel',
      boolean
    >;
  }

  recordFailure(serial: string, now: Date): Follows<Inner, 'recordFailure', number | undefined> {
    return this.dropping(serial, () => this.inner.recordFailure(serial, now)) as Follows<
      Inner,
      'recordFailure',
      number | undefined
    >;
  }

  resetFailures(serial: string): Follows<Inner, 'resetFailures', boolean> {
    return this.dropping(serial, () => this.inner.resetFailures(serial)) as Follows<
      Inner,
      'resetFailures',
      boolean
    >;
  }

  setLockedUntil(serial: string, lockedUntil: string | null): Follows<Inner, 'setLockedUntil', boolean> {
    return this.dropping(serial, () => this.inner.setLockedUntil(serial, lockedUntil)) as Follows<
      Inner,
      'setLockedUntil',
      boolean
    >;
  }

  useBackupCode(serial: string, codeHash: Uint8Array, now: Date): Follows<Inner, 'useBackupCode', boolean> {
    return this.inner.useBackupCode(serial, codeHash, now) as Follows<Inner, 'useBackupCode', boolean>;
  }

  unusedBackupCodes(serial: string): Follows<Inner, 'unusedBackupCodes', number> {
    return this.inner.unusedBackupCodes(serial) as Follows<Inner, 'unusedBackupCodes', number>;
  }

  /** A write of one token: its user's cached tokens go, when this cache holds them. */
  private dropping<T>(serial: string, write: () => Awaitable<T>): Awaitable<T> {
    const owner = this.cache.ownerOf(serial);
    if (owner !== undefined) return this.droppingUsers([owner], write);
    // Whose token it is is not known here: no read under way may keep what it brings.
    this.reading.clear();
    const result = write();
    if (!(result instanceof Promise)) return result;
    return result.finally(() => this.reading.clear());
  }

  /**
   * Drops the users before the write; a write that answers later drops them again then, as a read while it was
   * under way may have brought back what it replaces.
   */
  private droppingUsers<T>(userNames: readonly string[], write: () => Awaitable<T>): Awaitable<T> {
    for (const userName of userNames) this.dropUser(userName);
    const result = write();
    if (!(result instanceof Promise)) return result;
    return result.finally(() => {
      for (const userName of userNames) this.dropUser(userName);
    });
  }
}
