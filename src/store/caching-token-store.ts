// Owns the server's token cache and group commit: decoded tokens in memory, replay-guard writes batched per tick.
import type { NewToken, Token, TokenStore, TokenSuccess } from '../domain/token.js';
import type { ReplayJournal } from './replay-journal.js';

type MutableToken = { -readonly [K in keyof Token]: Token[K] };

interface Pending {
  readonly serial: string;
  readonly tokenId: number;
  readonly userName: string;
  readonly success: TokenSuccess;
  resolve(committed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Tokens of a user are read and unsealed once, then served from memory; writes by another process (the CLI) are
 * seen after `invalidateAll()`, called on SQLite's `data_version` change.
 *
 * Replay guard (SECURITY A6.4) with group commit: `recordSuccessBatched` does the compare-and-set in memory at once
 * (so two requests in this process can never both win) and queues the durable record; the queue is flushed once
 * per event-loop turn. With a journal the batch is appended there and synced with the batches around it (at most
 * one sync per `MIN_SYNC_INTERVAL_MS`); without one, all queued compare-and-sets run in one database transaction.
 * The caller answers Accept only when the promise says the use is durable, so a code is never accepted before
 * that, and a writer that raced us in the database wins there, not in memory.
 */
export class CachingTokenStore implements TokenStore {
  private readonly byUser = new Map<string, Token[]>();
  /** The same cached objects by serial: one lookup for the replay guard's compare-and-set. */
  private readonly bySerial = new Map<string, MutableToken>();
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly inner: TokenStore,
    /** Runs `fn` inside one database transaction. */
    private readonly transaction: (fn: () => void) => void,
    /**
     * With a journal, accepted steps are appended there (one fdatasync per batch) instead of being written to the
     * token table; tokens read from the database are raised to the journal's marks. Only this process checks codes,
     * so memory is the compare-and-set and the journal is its durable record.
     */
    private readonly journal?: ReplayJournal,
    private readonly maxUsers = 500_000,
  ) {}

  /** Forgets every cached token (another process changed the store). Queued writes still commit. */
  invalidateAll(): void {
    this.byUser.clear();
    this.bySerial.clear();
  }

  listForUser(userName: string): Token[] {
    const hit = this.byUser.get(userName);
    if (hit !== undefined) return hit;
    const tokens = this.withJournal(this.inner.listForUser(userName));
    // Users without tokens are not cached, so made-up names cannot fill memory.
    if (tokens.length > 0) {
      if (this.byUser.size >= this.maxUsers) this.invalidateAll();
      this.byUser.set(userName, tokens);
      for (const token of tokens) this.bySerial.set(token.serial, token);
    }
    return tokens;
  }

  /**
   * The in-memory compare-and-set, then the queued database one. Returns false at once when memory already
   * says replay; otherwise a promise of the database's verdict.
   */
  recordSuccessBatched(serial: string, success: TokenSuccess): false | Promise<boolean> {
    const token = this.bySerial.get(serial);
    if (token !== undefined) {
      if (token.lastUsed !== success.expectedLastUsed || success.newLastUsed <= token.lastUsed) return false;
      // In place: the cache owns these objects, and a copy per login would only feed the garbage collector.
      token.lastUsed = success.newLastUsed;
      token.drift = success.drift;
      // The journal's marks move with memory, so a reload before the next sync still sees this use.
      this.journal?.raise(token.id, { lastUsed: success.newLastUsed, drift: success.drift });
    }
    const userName = token?.userName ?? '';
    const tokenId = token?.id ?? -1;
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ serial, tokenId, userName, success, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Commits every queued success in one transaction and tells each caller whether the database agreed. */
  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.journal !== undefined && batch.every((item) => item.tokenId >= 0)) {
      const records = batch.map((item) => ({
        tokenId: item.tokenId,
        mark: { lastUsed: item.success.newLastUsed, drift: item.success.drift },
      }));
      this.journal.appendDurable(records, (error) => {
        if (error === null) for (const item of batch) item.resolve(true);
        else this.failBatch(batch, error);
      });
      return;
    }
    const results: boolean[] = [];
    try {
      this.transaction(() => {
        for (const item of batch) results.push(this.inner.recordSuccess(item.serial, item.success));
      });
    } catch (error) {
      this.failBatch(batch, error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      // Another writer moved the token first: memory is stale for that user.
      if (!results[i]) this.dropUser(item.userName);
      item.resolve(results[i]!);
    }
  };

  /** Nothing of the batch is durable: forget what memory believes and fail every caller closed. */
  private failBatch(batch: readonly Pending[], error: unknown): void {
    for (const item of batch) this.dropUser(item.userName);
    for (const item of batch) item.reject(error);
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
    const list = this.byUser.get(userName);
    if (list === undefined) return;
    this.byUser.delete(userName);
    for (const token of list) this.bySerial.delete(token.serial);
  }

  // Everything below passes through and drops the user's cached tokens, so the next read sees the change.

  recordSuccess(serial: string, success: TokenSuccess): boolean {
    return this.dropping(serial, () => this.inner.recordSuccess(serial, success));
  }

  list(): Token[] {
    return this.inner.list();
  }

  getBySerial(serial: string): Token | undefined {
    return this.inner.getBySerial(serial);
  }

  add(token: NewToken): Token {
    this.dropUser(token.userName);
    return this.inner.add(token);
  }

  addMany(tokens: readonly NewToken[]): number {
    for (const token of tokens) this.dropUser(token.userName);
    return this.inner.addMany(tokens);
  }

  remove(serial: string): boolean {
    return this.dropping(serial, () => this.inner.remove(serial));
  }

  recordFailure(serial: string, now: Date): number | undefined {
    return this.dropping(serial, () => this.inner.recordFailure(serial, now));
  }

  resetFailures(serial: string): boolean {
    return this.dropping(serial, () => this.inner.resetFailures(serial));
  }

  setLockedUntil(serial: string, lockedUntil: string | null): boolean {
    return this.dropping(serial, () => this.inner.setLockedUntil(serial, lockedUntil));
  }

  useBackupCode(serial: string, codeHash: Uint8Array, now: Date): boolean {
    return this.inner.useBackupCode(serial, codeHash, now);
  }

  unusedBackupCodes(serial: string): number {
    return this.inner.unusedBackupCodes(serial);
  }

  private dropping<T>(serial: string, write: () => T): T {
    const token = this.bySerial.get(serial);
    if (token !== undefined) this.dropUser(token.userName);
    return write();
  }
}
