// Owns the in-memory ChallengeStore of one node: the State ↔ transaction table of logins waiting for a code (A4).
import { timingSafeEqual } from 'node:crypto';
import type {
  ChallengeSession,
  ChallengeStore,
  NewChallenge,
  TakeResult,
} from '../../domain/challenge-session.js';
import { Reason } from '../../domain/reason.js';
import { CsprngPool } from '../csprng-pool.js';
import { StateTombstones } from './state-tombstones.js';

/** SECURITY A4.2: 128 random bits. */
export const STATE_OCTETS = 16;

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
export class MemoryChallengeStore implements ChallengeStore {
  private readonly live = new Map<number, ChallengeSession>();
  private readonly ended = new StateTombstones(MAX_TOMBSTONES, TOMBSTONE_MS, STATE_OCTETS);
  // Expiry order is kept in a plain FIFO queue, not by iterating the Map from the front: V8 keeps deleted Map
  // entries as holes until a rehash, so a front-to-back walk after many deletes costs more on every call.
  private readonly liveOrder = new KeyQueue();
  private readonly random = new CsprngPool();

  constructor(
    private readonly lifetimeMs: number,
    /** Oldest sessions are dropped beyond this many, so a flood of first factors cannot exhaust memory. */
    private readonly maxSessions = 200_000,
  ) {}

  get size(): number {
    return this.live.size;
  }

  open(challenge: NewChallenge, now: number): ChallengeSession {
    this.sweep(now);
    while (this.live.size >= this.maxSessions && this.liveOrder.length > 0) {
      const oldest = this.shiftLiveOrder();
      if (oldest !== undefined) this.live.delete(keyOf(oldest.state));
    }
    const session: ChallengeSession = {
      transactionId: challenge.transactionId,
      clientName: challenge.clientName,
      typedName: challenge.typedName,
      identity: challenge.identity,
      state: this.freshState(),
      deadline: now + this.lifetimeMs,
      codeAttempts: 0,
      checking: false,
      pushing: false,
      number: challenge.number,
      enrollUrl: challenge.enrollUrl,
      userIp: challenge.userIp,
    };
    this.insert(session);
    return session;
  }

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

  /** Single-threaded: the check and the set are one step. */
  claim(session: ChallengeSession): boolean {
    if (session.checking || this.live.get(keyOf(session.state)) !== session) return false;
    session.checking = true;
    session.codeAttempts++;
    return true;
  }

  release(session: ChallengeSession): void {
    session.checking = false;
  }

  /** An ended session reads as pushing too, as on PostgreSQL: the caller attaches to whatever decided it. */
  startPushing(session: ChallengeSession): boolean {
    if (session.pushing || this.live.get(keyOf(session.state)) !== session) {
      session.pushing = true;
      return false;
    }
    session.pushing = true;
    return true;
  }

  end(session: ChallengeSession, now: number): void {
    session.checking = false;
    this.finish(session.state, now);
  }

  rechallenge(session: ChallengeSession, now: number): void {
    session.checking = false;
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
      const state = this.random.bytes(STATE_OCTETS);
      const key = keyOf(state);
      if (!this.live.has(key) && !this.ended.has(key)) return state;
    }
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
