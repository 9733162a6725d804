// Owns the server-side challenge sessions: the State ↔ transaction table of logins waiting for a code (SECURITY A4).
import { randomFillSync, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../domain/first-factor.js';
import { Reason } from '../domain/reason.js';
import { newTransactionId } from '../domain/transaction-id.js';
import { StateTombstones } from './state-tombstones.js';

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
  /** A push for this login waits for an answer (docs/push.md): an empty answer again attaches, no second push. */
  pushing: boolean;
  /** PROTOCOL P7: the 2-digit number shown in the challenge text, or empty without number matching. */
  number: string;
  /** Issue 18: the enrollment link of an enrollment-at-login challenge, or empty for any other challenge. */
  enrollUrl: string;
  /** The Calling-Station-Id of the first request, shown on the phone (SECURITY A7.9); empty when none. */
  userIp: string;
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
 * compare-and-set A4.3 asks for: no second request can see a session between those steps.
 *
 * Tables are keyed by the State's first 30 bits as a small integer (no string per State; V8 hashes small integers
 * cheaply), kept unique among live and remembered States by drawing again on a clash; a hit is then compared on all
 * 128 bits in constant time, so the key only finds the candidate, it never authenticates it.
 */
export class ChallengeSessions {
  private readonly live = new Map<number, ChallengeSession>();
  private readonly ended = new StateTombstones(MAX_TOMBSTONES, TOMBSTONE_MS, STATE_OCTETS);
  // Expiry order is kept in a plain FIFO queue, not by iterating the Map from the front: V8 keeps deleted Map
  // entries as holes until a rehash, so a front-to-back walk after many deletes costs more on every call.
  private readonly liveOrder = new KeyQueue();
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

  /**
   * Opens a session after a passed first factor and returns it with a fresh State. `transactionId` is the
   * opening request's (so the login keeps one `txn`); a fresh one is drawn when the caller has none.
   */
  open(
    clientName: string,
    typedName: string,
    identity: Identity,
    now: number,
    transactionId?: string,
  ): ChallengeSession {
    this.sweep(now);
    while (this.live.size >= this.maxSessions && this.liveOrder.length > 0) {
      const oldest = this.shiftLiveOrder();
      if (oldest !== undefined) this.live.delete(keyOf(oldest.state));
    }
    const state = this.freshState();
    const session: ChallengeSession = {
      // Issue 13: 128 bits, so a transaction id never repeats across nodes and restarts.
      transactionId: transactionId ?? newTransactionId(),
      clientName,
      typedName,
      identity,
      state,
      deadline: now + this.lifetimeMs,
      codeAttempts: 0,
      checking: false,
      pushing: false,
      number: '',
      enrollUrl: '',
      userIp: '',
    };
    this.insert(session);
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
    if (session === undefined || !timingSafeEqual(session.state, state)) {
      const used = this.ended.wasUsed(key, state, now);
      return { ok: false, reason: used ? Reason.StateUsed : Reason.StateUnknown };
    }
    if (now > session.deadline) {
      this.finish(session.state, now);
      return { ok: false, reason: Reason.StateExpired, session };
    }
    if (session.clientName !== clientName || session.typedName !== typedName) {
      this.finish(session.state, now);
      return { ok: false, reason: Reason.StateForeign, session };
    }
    return { ok: true, session };
  }

  /** A4.3: the one terminal transition; the State can never be used again. */
  end(session: ChallengeSession, now: number): void {
    this.finish(session.state, now);
  }

  /** A wrong code with attempts left: the old State dies, the same transaction continues under a new one. */
  rechallenge(session: ChallengeSession, now: number): void {
    this.finish(session.state, now);
    session.state = this.freshState();
    this.insert(session);
  }

  private insert(session: ChallengeSession): void {
    const key = keyOf(session.state);
    this.live.set(key, session);
    this.liveOrder.push(key, session.deadline);
  }

  private finish(state: Uint8Array, now: number): void {
    const key = keyOf(state);
    const session = this.live.get(key);
    if (session === undefined || session.state !== state) return;
    this.live.delete(key);
    this.ended.add(key, state, now);
  }

  /**
   * Takes the oldest entry of the live queue and returns the session it was queued for, if that session is still
   * live under the entry's key: the key may have been ended or reused since (keys are reused once forgotten).
   */
  private shiftLiveOrder(): ChallengeSession | undefined {
    const key = this.liveOrder.headKey();
    const at = this.liveOrder.headAt();
    this.liveOrder.shift();
    const session = this.live.get(key);
    return session !== undefined && session.deadline === at ? session : undefined;
  }

  private sweep(now: number): void {
    // Deadlines only grow in queue order (one lifetime for all), so the head is always the first to expire.
    while (this.liveOrder.length > 0 && this.liveOrder.headAt() < now) {
      const expired = this.shiftLiveOrder();
      if (expired !== undefined) this.finish(expired.state, now);
    }
    this.ended.sweep(now);
  }

  /** SECURITY A4.2: 128 bits from the CSPRNG, drawn again in the rare case its key clashes with a known State. */
  private freshState(): Uint8Array {
    for (;;) {
      const state = this.random(STATE_OCTETS);
      const key = keyOf(state);
      if (!this.live.has(key) && !this.ended.has(key)) return state;
    }
  }

  /** CSPRNG bytes from a pooled buffer: one getrandom call per 4 KiB instead of one per State. */
  private random(octets: number): Uint8Array {
    const offset = this.reserve(octets);
    const out = new Uint8Array(octets);
    out.set(this.pool.subarray(offset, offset + octets));
    this.pool.fill(0, offset, offset + octets);
    return out;
  }

  /** Reserves `octets` fresh pool bytes; used bytes are wiped by the caller so no State can be read back later. */
  private reserve(octets: number): number {
    if (this.poolOffset + octets > this.pool.length) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    const offset = this.poolOffset;
    this.poolOffset += octets;
    return offset;
  }
}

/** The first 30 bits of a State: a small integer, so Map lookups need no string. */
function keyOf(state: Uint8Array): number {
  return ((state[0]! << 22) | (state[1]! << 14) | (state[2]! << 6) | (state[3]! >>> 2)) >>> 0;
}

/** A FIFO of (key, time) in parallel arrays with an advancing head; compacted once half of it is consumed. */
class KeyQueue {
  private keys: number[] = [];
  private times: number[] = [];
  private head = 0;

  get length(): number {
    return this.keys.length - this.head;
  }

  push(key: number, at: number): void {
    this.keys.push(key);
    this.times.push(at);
  }

  /** Only when length > 0. */
  headKey(): number {
    return this.keys[this.head]!;
  }

  /** Only when length > 0. */
  headAt(): number {
    return this.times[this.head]!;
  }

  shift(): void {
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
