// Owns duplicate detection for RADIUS requests (RFC 5080 §2.2.2, SECURITY A3.1–A3.2).

/** What the cache says about an arriving request. */
export const DuplicateStatus = { New: 0, InProgress: 1, Answered: 2 } as const;
export type DuplicateStatus = (typeof DuplicateStatus)[keyof typeof DuplicateStatus];

interface Entry {
  authenticator: Uint8Array;
  reply: Uint8Array | undefined;
  expiresAt: number;
}

function sameAuthenticator(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Remembers requests in progress and the replies sent, keyed by receiving socket, source address and port and
 * Identifier, and told apart by the Request Authenticator. Insertion order is expiry order for answered entries
 * (all share one lifetime), so sweeping stops at the first live answered entry. Bounded: the oldest entry goes
 * first when full.
 */
export class DuplicateCache {
  private readonly entries = new Map<string, Entry>();
  /** The cached reply found by the last `check` that returned Answered. */
  cachedReply: Uint8Array | undefined;

  constructor(
    private readonly replyLifetimeMs: number,
    private readonly inProgressLifetimeMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Classifies a request. RFC 5080 §2.2.2: same key and authenticator → duplicate (absorbed while in progress,
   * answered from the cache afterwards); same key with a new authenticator → the old entry is purged and the
   * request is new.
   */
  check(key: string, authenticator: Uint8Array, now: number): DuplicateStatus {
    const entry = this.entries.get(key);
    if (entry === undefined) return DuplicateStatus.New;
    if (entry.expiresAt <= now || !sameAuthenticator(entry.authenticator, authenticator)) {
      this.entries.delete(key);
      return DuplicateStatus.New;
    }
    if (entry.reply === undefined) return DuplicateStatus.InProgress;
    this.cachedReply = entry.reply;
    return DuplicateStatus.Answered;
  }

  /** Marks a request as in progress. Call only after `check` returned New. */
  begin(key: string, authenticator: Uint8Array, now: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { authenticator, reply: undefined, expiresAt: now + this.inProgressLifetimeMs });
  }

  /** Stores the reply sent for a request so retransmissions get it byte for byte. */
  complete(key: string, reply: Uint8Array, now: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    entry.reply = reply;
    entry.expiresAt = now + this.replyLifetimeMs;
    this.entries.set(key, entry);
  }

  /** Forgets a request that ended without a reply (dropped), so a retransmission is processed afresh. */
  abandon(key: string): void {
    this.entries.delete(key);
  }

  /** Removes expired entries; cheap enough to run every second. */
  sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
      else if (entry.reply !== undefined) break;
    }
  }
}
