// Owns the server-side challenge sessions: the State ↔ transaction table of logins waiting for a code (SECURITY A4).
import { randomFillSync } from 'node:crypto';
import type { Identity } from '../domain/first-factor.js';
import { Reason } from '../domain/reason.js';

/** SECURITY A4.2: 128 random bits. */
export const STATE_OCTETS = 16;

/** One login between its first factor and its code. Mutable fields change only through ChallengeSessions. */
export interface ChallengeSession {
  readonly transactionId: string;
  readonly clientName: string;
  /** The User-Name as the NAS sent it; the answer must carry the same (A4.1). */
  readonly typedName: string;
  readonly identity: Identity;
  /** The State the NAS must echo now; replaced on every re-challenge. */
  state: Uint8Array;
  /** Epoch ms after which the State is refused (A4.2). */
  readonly deadline: number;
  /** Codes typed so far (A4.4). */
  codeAttempts: number;
  /** A code of this session is being committed (group commit); a second answer meanwhile is refused. */
  checking: boolean;
}

export type TakeResult =
  | { readonly ok: true; readonly session: ChallengeSession }
  | { readonly ok: false; readonly reason: Reason; readonly session?: ChallengeSession };

/** How long a finished State is remembered, so a late resend is logged as STATE_USED rather than unknown. */
const TOMBSTONE_MS = 120_000;
/** At most this many finished States are remembered: only the log's reason depends on them, not the decision. */
const MAX_TOMBSTONES = 20_000;

/**
 * In-memory table of live States. Single-threaded, so `take` → `end`/`rechallenge` within one call is the atomic
 * compare-and-set A4.3 asks for: no second request can see a session between those steps. Deadlines only grow
 * with insertion time, so expired entries are swept from the front of the insertion-ordered map.
 */
export class ChallengeSessions {
  private readonly live = new Map<string, ChallengeSession>();
  private readonly ended = new Map<string, number>();
  // Expiry order is kept in plain FIFO queues, not by iterating the Maps from the front: V8 keeps deleted Map
  // entries as holes until a rehash, so a front-to-back walk after many deletes costs more on every call.
  private readonly liveOrder = new KeyQueue();
  private readonly endedOrder = new KeyQueue();
  private readonly pool = Buffer.alloc(4096);
  private poolOffset = this.pool.length;

  constructor(
    private readonly lifetimeMs: number,
    /** Oldest sessions are dropped beyond this many, so a flood of first factors cannot exhaust memory. */
    private readonly maxSessions = 200_000,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** Opens a session after a passed first factor and returns it with a fresh State. */
  open(clientName: string, typedName: string, identity: Identity, now: number): ChallengeSession {
    this.sweep(now);
    while (this.live.size >= this.maxSessions) {
      const oldest = this.liveOrder.shift();
      if (oldest === undefined) break;
      this.live.delete(oldest.key);
    }
    const state = this.random(STATE_OCTETS);
    const session: ChallengeSession = {
      transactionId: Buffer.from(this.random(8)).toString('hex'),
      clientName,
      typedName,
      identity,
      state,
      deadline: now + this.lifetimeMs,
      codeAttempts: 0,
      checking: false,
    };
    this.live.set(keyOf(state), session);
    this.liveOrder.push(keyOf(state), session.deadline);
    return session;
  }

  /**
   * Finds the session of an echoed State. RFC 5080 §2.1.1, A4.1, A4.5: unknown, expired, used, or foreign
   * (another client or user name) States are refused; a foreign one also ends its session, since the State leaked.
   */
  take(state: Uint8Array, clientName: string, typedName: string, now: number): TakeResult {
    if (state.length !== STATE_OCTETS) return { ok: false, reason: Reason.StateUnknown };
    const key = keyOf(state);
    const session = this.live.get(key);
    if (session === undefined) {
      const endedAt = this.ended.get(key);
      const used = endedAt !== undefined && now - endedAt < TOMBSTONE_MS;
      return { ok: false, reason: used ? Reason.StateUsed : Reason.StateUnknown };
    }
    if (now > session.deadline) {
      this.finish(key, now);
      return { ok: false, reason: Reason.StateExpired, session };
    }
    if (session.clientName !== clientName || session.typedName !== typedName) {
      this.finish(key, now);
      return { ok: false, reason: Reason.StateForeign, session };
    }
    return { ok: true, session };
  }

  /** A4.3: the one terminal transition; the State can never be used again. */
  end(session: ChallengeSession, now: number): void {
    this.finish(keyOf(session.state), now);
  }

  /** A wrong code with attempts left: the old State dies, the same transaction continues under a new one. */
  rechallenge(session: ChallengeSession, now: number): void {
    this.finish(keyOf(session.state), now);
    session.state = this.random(STATE_OCTETS);
    this.live.set(keyOf(session.state), session);
    this.liveOrder.push(keyOf(session.state), session.deadline);
  }

  private finish(key: string, now: number): void {
    if (!this.live.delete(key)) return;
    this.ended.set(key, now);
    this.endedOrder.push(key, now);
  }

  private sweep(now: number): void {
    // Deadlines only grow in queue order (one lifetime for all), so the head is always the first to expire.
    for (
      let head = this.liveOrder.peek();
      head !== undefined && head.at < now;
      head = this.liveOrder.peek()
    ) {
      this.liveOrder.shift();
      this.finish(head.key, now);
    }
    for (
      let head = this.endedOrder.peek();
      head !== undefined && (now - head.at >= TOMBSTONE_MS || this.ended.size > MAX_TOMBSTONES);
      head = this.endedOrder.peek()
    ) {
      this.endedOrder.shift();
      // A key can be finished again after a rechallenge; only drop the tombstone this entry wrote.
      if (this.ended.get(head.key) === head.at) this.ended.delete(head.key);
    }
  }

  /** CSPRNG bytes from a pooled buffer: one getrandom call per 4 KiB instead of one per State. */
  private random(octets: number): Uint8Array {
    if (this.poolOffset + octets > this.pool.length) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    const out = new Uint8Array(octets);
    out.set(this.pool.subarray(this.poolOffset, this.poolOffset + octets));
    // Used bytes are wiped so no State can be read back from the pool later.
    this.pool.fill(0, this.poolOffset, this.poolOffset + octets);
    this.poolOffset += octets;
    return out;
  }
}

function keyOf(state: Uint8Array): string {
  return Buffer.from(state.buffer, state.byteOffset, state.byteLength).toString('base64');
}

/** A FIFO of (key, time) with an advancing head; the arrays are compacted once half of them is consumed. */
class KeyQueue {
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  push(key: string, at: number): void {
    this.keys.push(key);
    this.times.push(at);
  }

  peek(): { key: string; at: number } | undefined {
    return this.head < this.keys.length
      ? { key: this.keys[this.head]!, at: this.times[this.head]! }
      : undefined;
  }

  shift(): { key: string; at: number } | undefined {
    const item = this.peek();
    if (item === undefined) return undefined;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
