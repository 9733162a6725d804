// Owns duplicate detection for RADIUS requests (RFC 5080 §2.2.2, SECURITY A3.1–A3.2).

/** What the cache says about an arriving request. */
export const DuplicateStatus = { New: 0, InProgress: 1, Answered: 2 } as const;
export type DuplicateStatus = (typeof DuplicateStatus)[keyof typeof DuplicateStatus];

/**
 * One remembered request. Entries are reused in place when their key comes back with a new Request Authenticator
 * (the normal case: a NAS cycles through its Identifiers), and they own copies of the authenticator and the reply,
 * so a cached request pins neither its datagram nor the shared buffer its reply was encoded in. Why: each entry
 * lives for seconds, longer than several young-generation collections, and a new entry (with views into the
 * datagram and the reply) per request moved a stream of objects into the old generation under load.
 */
interface Entry {
  readonly authenticator: Uint8Array;
  /** The reply's octets in `reply[0, replyLength)`; the array is kept and reused when the next reply fits. */
  reply: Uint8Array;
  replyLength: number;
  state: EntryState;
  expiresAt: number;
}

const EntryState = { Vacant: 0, InProgress: 1, Answered: 2 } as const;
type EntryState = (typeof EntryState)[keyof typeof EntryState];

const NO_REPLY = new Uint8Array(0);

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
 * Bounded: when full, the first entry of the arriving request's source goes (of the first source when that one
 * has none), so one busy client cannot push out another's entries.
 */
export class DuplicateCache {
  private readonly sources = new Map<string, Map<number, Entry>>();
  /** Entries in progress or answered; vacant ones (kept for reuse until the next sweep) are not counted. */
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
    const entry = this.sources.get(address)?.get(slot);
    if (entry === undefined || entry.state === EntryState.Vacant) return DuplicateStatus.New;
    if (entry.expiresAt <= now || !sameAuthenticator(entry.authenticator, authenticator)) {
      entry.state = EntryState.Vacant;
      this.count--;
      return DuplicateStatus.New;
    }
    if (entry.state === EntryState.InProgress) return DuplicateStatus.InProgress;
    this.cachedReply = entry.reply.subarray(0, entry.replyLength);
    return DuplicateStatus.Answered;
  }

  /** Marks a request as in progress. Call only after `check` returned New. */
  begin(address: string, slot: number, authenticator: Uint8Array, now: number): void {
    let entries = this.sources.get(address);
    let entry = entries?.get(slot);
    if (entry !== undefined && entry.state !== EntryState.Vacant) {
      entry.state = EntryState.Vacant;
      this.count--;
    }
    if (this.count >= this.maxEntries) {
      this.evictFirst(entries);
      entry = entries?.get(slot);
    }
    if (entries === undefined) {
      entries = new Map();
      this.sources.set(address, entries);
    }
    if (entry === undefined) {
      entry = {
        authenticator: new Uint8Array(16),
        reply: NO_REPLY,
        replyLength: 0,
        state: EntryState.Vacant,
        expiresAt: 0,
      };
      entries.set(slot, entry);
    }
    entry.authenticator.set(authenticator);
    entry.replyLength = 0;
    entry.state = EntryState.InProgress;
    entry.expiresAt = now + this.inProgressLifetimeMs;
    this.count++;
  }

  /** Stores (a copy of) the reply sent for a request so retransmissions get it byte for byte. */
  complete(address: string, slot: number, reply: Uint8Array, now: number): void {
    const entry = this.sources.get(address)?.get(slot);
    if (entry === undefined || entry.state !== EntryState.InProgress) return;
    // Room in steps of 64 octets, so a client's replies (of similar sizes) keep reusing one array.
    if (entry.reply.length < reply.length) entry.reply = new Uint8Array((reply.length + 63) & ~63);
    entry.reply.set(reply);
    entry.replyLength = reply.length;
    entry.state = EntryState.Answered;
    entry.expiresAt = now + this.replyLifetimeMs;
  }

  /** Forgets a request that ended without a reply (dropped), so a retransmission is processed afresh. */
  abandon(address: string, slot: number): void {
    const entry = this.sources.get(address)?.get(slot);
    if (entry === undefined || entry.state === EntryState.Vacant) return;
    entry.state = EntryState.Vacant;
    this.count--;
  }

  /**
   * Removes expired and vacant entries, and sources left without any. Runs every second over every entry: entries
   * are reused in place, so no order tells the expired ones apart (at the 200,000-entry cap, a few milliseconds).
   */
  sweep(now: number): void {
    for (const [address, entries] of this.sources) {
      for (const [slot, entry] of entries) {
        if (entry.state === EntryState.Vacant) entries.delete(slot);
        else if (entry.expiresAt <= now) {
          entries.delete(slot);
          this.count--;
        }
      }
      if (entries.size === 0) this.sources.delete(address);
    }
  }

  /** Frees one counted entry: the first of `entries` that is in use, else the first of any source. */
  private evictFirst(entries: Map<number, Entry> | undefined): void {
    if (entries !== undefined && this.evictFrom(entries)) return;
    for (const other of this.sources.values()) if (this.evictFrom(other)) return;
  }

  private evictFrom(entries: Map<number, Entry>): boolean {
    for (const [slot, entry] of entries) {
      entries.delete(slot);
      if (entry.state !== EntryState.Vacant) {
        this.count--;
        return true;
      }
    }
    return false;
  }
}
