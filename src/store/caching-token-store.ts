// Owns the server's token cache and group commit: decoded tokens in memory, replay-guard writes batched per tick.
import type { Awaitable } from '../domain/awaitable.js';
import type { NewToken, Token, TokenStore, TokenSuccess } from '../domain/token.js';
import { distinctCodeLengths, prepareCodeKeys } from '../domain/token.js';
import type { Follows } from './caching-user-store.js';
import type { ReplayJournal, ReplayMark } from './replay-journal.js';

type MutableToken = { -readonly [K in keyof Token]: Token[K] };

/** A user's cached tokens, and the code lengths they take (for splitting `concat` passwords). */
interface CachedUser {
  readonly tokens: MutableToken[];
  readonly codeLengths: readonly number[];
}

/** A success for the database (no journal, or a token this cache does not hold). */
interface Pending {
  readonly serial: string;
  readonly userName: string;
  readonly success: TokenSuccess;
  resolve(committed: boolean): void;
  reject(error: unknown): void;
}

/** A success waiting for the journal: its mark already moved in memory. */
interface JournalPending {
  readonly tokenId: number;
  readonly mark: ReplayMark;
  readonly userName: string;
}

/** One promise per journal batch: the batch is durable as a whole or not at all. */
interface JournalBatch {
  readonly items: JournalPending[];
  readonly durable: Promise<boolean>;
  resolve(committed: boolean): void;
  reject(error: unknown): void;
}

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
 */
export class CachingTokenStore<Inner extends TokenStore = TokenStore> implements TokenStore {
  private readonly byUser = new Map<string, CachedUser>();
  /** The same cached objects by serial, for a compare-and-set that does not follow a list of its user. */
  private readonly bySerial = new Map<string, MutableToken>();
  /** The user looked up last: one login asks for its tokens up to three times in one pass, and a lookup in a map
   * of a few hundred thousand users costs about a microsecond in cache misses, a compare almost nothing. */
  private lastName: string | undefined;
  private last: CachedUser | undefined;
  /** Complete mode: users changed since their tokens were read, so a miss on them must ask the store. */
  private readonly reread = new Set<string>();
  /** Reads of one user's tokens still in flight, by user; a change to the user removes its read from here. */
  private readonly reading = new Map<string, Promise<Token[]>>();
  /** While `invalidateAll` waits for every token: users changed since it asked, read again once it has them. */
  private relisting: Set<string> | undefined;
  private complete = false;
  private queue: Pending[] = [];
  private journalBatch: JournalBatch | undefined;
  private scheduled = false;

  constructor(
    private readonly inner: Inner,
    /** Runs `fn` inside one database transaction. */
    private readonly transaction: (fn: () => void) => void,
    /** Accepted steps go here, not to the token table; tokens read back are raised to its marks. */
    private readonly journal?: ReplayJournal,
    private readonly maxUsers = 500_000,
  ) {}

  /** True once every token is in memory (`load`). */
  get isComplete(): boolean {
    return this.complete;
  }

  /** Holds exactly `tokens` (every token of the store, read after the change feed's start) and turns complete. */
  load(tokens: readonly Token[]): void {
    this.clear();
    this.reading.clear();
    const byUser = new Map<string, MutableToken[]>();
    for (const token of this.withJournal(tokens as Token[]) as MutableToken[]) {
      const list = byUser.get(token.userName);
      if (list === undefined) byUser.set(token.userName, [token]);
      else list.push(token);
      this.bySerial.set(token.serial, token);
    }
    for (const [name, list] of byUser)
      this.byUser.set(name, { tokens: list, codeLengths: distinctCodeLengths(list) });
    packForIndex(this.bySerial.values());
    this.complete = true;
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
    if (!this.complete) {
      this.clear();
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
          this.complete = false;
          this.clear();
          this.reading.clear();
        }
        throw error;
      },
    );
  }

  private clear(): void {
    this.byUser.clear();
    this.bySerial.clear();
    this.reread.clear();
    this.forgetLast();
  }

  private forgetLast(): void {
    this.lastName = undefined;
    this.last = undefined;
  }

  listForUser(userName: string): Follows<Inner, 'listForUser', Token[]> {
    const hit = this.cachedUser(userName);
    if (hit !== undefined) return hit.tokens as Follows<Inner, 'listForUser', Token[]>;
    if (this.complete && !this.reread.has(userName)) {
      const none: Token[] = [];
      return none as Follows<Inner, 'listForUser', Token[]>;
    }
    return this.read(userName) as Follows<Inner, 'listForUser', Token[]>;
  }

  /** The user's distinct code lengths when their tokens are cached; else undefined (ask the token-holder index). */
  cachedCodeLengths(userName: string): readonly number[] | undefined {
    return this.cachedUser(userName)?.codeLengths;
  }

  private cachedUser(userName: string): CachedUser | undefined {
    if (userName === this.lastName) return this.last;
    const hit = this.byUser.get(userName);
    if (hit !== undefined) {
      this.lastName = userName;
      this.last = hit;
    }
    return hit;
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
    this.reread.delete(userName);
    // Users without tokens are not cached, so made-up names cannot fill memory.
    if (tokens.length > 0) {
      if (!this.complete && this.byUser.size >= this.maxUsers) this.clear();
      const cached: CachedUser = {
        tokens: tokens as MutableToken[],
        codeLengths: distinctCodeLengths(tokens),
      };
      this.byUser.set(userName, cached);
      for (const token of cached.tokens) this.bySerial.set(token.serial, token);
      this.lastName = userName;
      this.last = cached;
    }
    return tokens;
  }

  /** The cached object of a serial; the last user's list answers without a map lookup. */
  private cachedToken(serial: string): MutableToken | undefined {
    const last = this.last;
    if (last !== undefined) for (const token of last.tokens) if (token.serial === serial) return token;
    return this.bySerial.get(serial);
  }

  /**
   * The in-memory compare-and-set, then the queued durable record. Returns false at once when memory already
   * says replay; otherwise a promise of the verdict (with a journal, one promise shared by the turn's batch).
   */
  recordSuccessBatched(serial: string, success: TokenSuccess): false | Promise<boolean> {
    const token = this.cachedToken(serial);
    if (token !== undefined) {
      if (token.lastUsed !== success.expectedLastUsed || success.newLastUsed <= token.lastUsed) return false;
      // In place: the cache owns these objects, and a copy per login would only feed the garbage collector.
      token.lastUsed = success.newLastUsed;
      token.drift = success.drift;
      if (this.journal !== undefined) {
        const mark: ReplayMark = { lastUsed: success.newLastUsed, drift: success.drift };
        // The journal's marks move with memory, so a reload before the next sync still sees this use.
        this.journal.raise(token.id, mark);
        const batch = this.journalBatch ?? this.openJournalBatch();
        batch.items.push({ tokenId: token.id, mark, userName: token.userName });
        return batch.durable;
      }
    }
    const userName = token?.userName ?? '';
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ serial, userName, success, resolve, reject });
      this.schedule();
    });
  }

  private openJournalBatch(): JournalBatch {
    const { promise, resolve, reject } = withResolvers<boolean>();
    const batch: JournalBatch = { items: [], durable: promise, resolve, reject };
    this.journalBatch = batch;
    this.schedule();
    return batch;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushScheduled);
  }

  // Bound once: `flush` never rejects (each caller hears its verdict through its own promise).
  private readonly flushScheduled = (): void => {
    void this.flush();
  };

  /**
   * Commits every queued success (the journal batch and the database batch) and tells each caller the verdict.
   * Never rejects; answers when the database batch is answered (at once when the inner store answers values).
   */
  flush(): Awaitable<void> {
    this.scheduled = false;
    const journalBatch = this.journalBatch;
    this.journalBatch = undefined;
    if (journalBatch !== undefined) this.flushJournal(journalBatch);
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (batch.length > 1 && this.inner.recordSuccesses !== undefined && distinctSerials(batch)) {
      return this.flushAtOnce(batch);
    }
    const results: Awaitable<boolean>[] = [];
    let waits = false;
    try {
      this.transaction(() => {
        for (const item of batch) {
          const result = this.inner.recordSuccess(item.serial, item.success);
          if (result instanceof Promise) waits = true;
          results.push(result);
        }
      });
    } catch (error) {
      this.failBatch(batch, error);
      return;
    }
    if (!waits) {
      this.settleBatch(batch, results as boolean[]);
      return;
    }
    // Every write of the batch is waited for, so no caller is told before the batch's fate is known.
    return Promise.allSettled(results.map((result, i) => this.orRecheck(result, batch[i]!))).then(
      (settled) => {
        const verdicts: boolean[] = [];
        for (const outcome of settled) {
          if (outcome.status === 'rejected') {
            this.failBatch(batch, outcome.reason);
            return;
          }
          verdicts.push(outcome.value);
        }
        this.settleBatch(batch, verdicts);
      },
    );
  }

  /** One statement for the whole batch (PostgreSQL: one round trip), then each refusal re-checked as below. */
  private flushAtOnce(batch: readonly Pending[]): Promise<void> {
    const items = batch.map((item) => ({ serial: item.serial, success: item.success }));
    return Promise.resolve()
      .then(() => this.inner.recordSuccesses!(items))
      .then((verdicts) => Promise.all(verdicts.map((won, i) => this.orRecheck(won, batch[i]!))))
      .then(
        (verdicts) => this.settleBatch(batch, verdicts),
        (error: unknown) => this.failBatch(batch, error),
      );
  }

  /**
   * A shared database (several nodes): a refused compare-and-set may only mean this node's memory of `lastUsed`
   * was behind, because another node accepted an EARLIER code of the token and the change had not reached us.
   * The code is still new if it is past what the database holds now, so the compare-and-set is tried once more
   * from there (A6.4 holds: the database still lets exactly one writer move the token past any step).
   */
  private async orRecheck(result: Awaitable<boolean>, item: Pending): Promise<boolean> {
    if (await result) return true;
    const stored = await this.inner.getBySerial(item.serial);
    if (stored === undefined || stored.lastUsed >= item.success.newLastUsed) return false;
    if (stored.lastUsed === item.success.expectedLastUsed) return false;
    return this.inner.recordSuccess(item.serial, { ...item.success, expectedLastUsed: stored.lastUsed });
  }

  /** Nothing of the batch is known to be durable: every caller fails closed, and memory of its users goes. */
  private failBatch(batch: readonly Pending[], error: unknown): void {
    this.forgetUsersOf(batch);
    for (const item of batch) item.reject(error);
  }

  private settleBatch(batch: readonly Pending[], results: readonly boolean[]): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      // Another writer moved the token first: memory is stale for that user.
      if (!results[i]) this.dropUser(item.userName);
      item.resolve(results[i]!);
    }
  }

  private flushJournal(batch: JournalBatch): void {
    // The marks moved at the compare-and-set; the journal only writes and syncs them.
    this.journal!.appendDurable(
      batch.items,
      (error) => {
        if (error === null) {
          batch.resolve(true);
          return;
        }
        this.forgetUsersOf(batch.items);
        batch.reject(error);
      },
      { raised: true },
    );
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

  /** Nothing of a failed batch is durable: forget what memory believes, so its callers fail closed. */
  private forgetUsersOf(batch: readonly { readonly userName: string }[]): void {
    for (const item of batch) this.dropUser(item.userName);
  }

  /** Forgets one user's cached tokens, so the next read goes to the database. */
  private dropUser(userName: string): void {
    if (this.complete) this.reread.add(userName);
    this.reading.delete(userName);
    this.relisting?.add(userName);
    const cached = this.byUser.get(userName);
    if (cached === undefined) return;
    this.byUser.delete(userName);
    for (const token of cached.tokens) this.bySerial.delete(token.serial);
    if (this.last === cached) this.forgetLast();
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
    const token = this.bySerial.get(serial);
    if (token !== undefined) return this.droppingUsers([token.userName], write);
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

/**
 * Memory of the index: each unsealed seed came in its own ArrayBuffer (about 200 bytes of bookkeeping for 20 bytes
 * of key, and work for every garbage collection); they move into one shared buffer, each token keeping a view. Text
 * that repeats across rows (type, algorithm, label, the import's time stamp) is kept once. HMAC-SHA-1 keys get
 * their pad states here too (otp/hmac-sha1.ts), so a first login does no key set-up.
 */
function packForIndex(tokens: Iterable<MutableToken>): void {
  const all = [...tokens];
  let bytes = 0;
  for (const token of all) bytes += token.secret.length;
  const slab = new Uint8Array(bytes);
  const text = new Map<string, string>();
  const once = (value: string): string => {
    const known = text.get(value);
    if (known !== undefined) return known;
    text.set(value, value);
    return value;
  };
  let offset = 0;
  for (const token of all) {
    const length = token.secret.length;
    slab.set(token.secret, offset);
    token.secret = slab.subarray(offset, offset + length);
    offset += length;
    token.type = once(token.type) as MutableToken['type'];
    token.algorithm = once(token.algorithm) as MutableToken['algorithm'];
    token.label = once(token.label);
    token.createdAt = once(token.createdAt);
  }
  prepareCodeKeys(all);
}

/** `Promise.withResolvers` (Node 22+) for Node 20. */
function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** True when no serial appears twice: the batched compare-and-set reports one verdict per serial. */
function distinctSerials(batch: readonly Pending[]): boolean {
  const seen = new Set<string>();
  for (const item of batch) {
    if (seen.has(item.serial)) return false;
    seen.add(item.serial);
  }
  return true;
}
