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
 * The receiving socket, source port and Identifier of a request as one number (a small integer while the
 * socket index stays below 64). With the source address it names a request for RFC 5080 §2.2.2.
 */
export function duplicateSlot(endpointIndex: number, port: number, identifier: number): number {
  return endpointIndex * 16_777_216 + port * 256 + identifier;
}

/**
 * Remembers requests in progress and the replies sent, keyed by source address and then by receiving socket,
 * source port and Identifier (`duplicateSlot`), and told apart by the Request Authenticator. A number per
 * source instead of one text key per request: building and hashing that text cost more than the lookups.
 * Insertion order is expiry order for answered entries (all share one lifetime), so sweeping a source stops at
 * its first live answered entry. Bounded: when full, the oldest entry of the arriving request's source goes
 * first (of the first source when that one has none), so one busy client cannot push out another's entries.
 */
export class DuplicateCache {
  private readonly sources = new Map<string, Map<number, Entry>>();
  private count = 0;
  /** The cached reply found by the last `check` that returned Answered. */
  cachedReply: Uint8Array | undefined;

  constructor(
    private readonly replyLifetimeMs: number,
    private readonly inProgressLifetimeMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * Classifies a request. RFC 5080 §2.2.2: same key and authenticator → duplicate (absorbed while in progress,
   * answered from the cache afterwards); same key with a new authenticator → the old entry is purged and the
   * request is new.
   */
  check(address: string, slot: number, authenticator: Uint8Array, now: number): DuplicateStatus {
    const entries = this.sources.get(address);
    if (entries === undefined) return DuplicateStatus.New;
    const entry = entries.get(slot);
    if (entry === undefined) return DuplicateStatus.New;
    if (entry.expiresAt <= now || !sameAuthenticator(entry.authenticator, authenticator)) {
      entries.delete(slot);
      this.count--;
      return DuplicateStatus.New;
    }
    if (entry.reply === undefined) return DuplicateStatus.InProgress;
    this.cachedReply = entry.reply;
    return DuplicateStatus.Answered;
  }

  /** Marks a request as in progress. Call only after `check` returned New. */
  begin(address: string, slot: number, authenticator: Uint8Array, now: number): void {
    let entries = this.sources.get(address);
    if (this.count >= this.maxEntries) this.evictOldest(entries);
    if (entries === undefined) {
      entries = new Map();
      this.sources.set(address, entries);
    }
    const before = entries.size;
    entries.set(slot, { authenticator, reply: undefined, expiresAt: now + this.inProgressLifetimeMs });
    this.count += entries.size - before;
  }

  /** Stores the reply sent for a request so retransmissions get it byte for byte. */
  complete(address: string, slot: number, reply: Uint8Array, now: number): void {
    const entries = this.sources.get(address);
    const entry = entries?.get(slot);
    if (entries === undefined || entry === undefined) return;
    // Re-inserted at the end: answered entries stay in expiry order.
    entries.delete(slot);
    entry.reply = reply;
    entry.expiresAt = now + this.replyLifetimeMs;
    entries.set(slot, entry);
  }

  /** Forgets a request that ended without a reply (dropped), so a retransmission is processed afresh. */
  abandon(address: string, slot: number): void {
    if (this.sources.get(address)?.delete(slot)) this.count--;
  }

  /** Removes expired entries, and sources left without any; cheap enough to run every second. */
  sweep(now: number): void {
    for (const [address, entries] of this.sources) {
      for (const [slot, entry] of entries) {
        if (entry.expiresAt <= now) {
          entries.delete(slot);
          this.count--;
        } else if (entry.reply !== undefined) break;
      }
      if (entries.size === 0) this.sources.delete(address);
    }
  }

  private evictOldest(entries: Map<number, Entry> | undefined): void {
    let from = entries;
    if (from === undefined || from.size === 0) {
      for (const other of this.sources.values()) {
        if (other.size > 0) {
          from = other;
          break;
        }
      }
    }
    const oldest = from?.keys().next();
    if (from !== undefined && oldest !== undefined && !oldest.done) {
      from.delete(oldest.value);
      this.count--;
    }
  }
}
