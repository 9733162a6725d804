// Owns the memory of finished challenge States (SECURITY A4.3), kept only to name a late resend in the log.
import { timingSafeEqual } from 'node:crypto';

/**
 * Finished States in a ring of fixed typed arrays, oldest first, found by their lookup key through a map of small
 * integers. Why not a map of objects: every login finishes one State, and each remembered State outlived several
 * young-generation collections, so a busy server moved a stream of small objects (State, time, wrapper) into the
 * old generation, where only a full collection of the whole heap finds them again. Here nothing is allocated per
 * State; the map holds numbers only.
 *
 * The verdict of a login never depends on this table: a State is single-use because it leaves the live table.
 */
export class StateTombstones {
  private readonly states: Uint8Array;
  private readonly times: Float64Array;
  private readonly keys: Int32Array;
  /** Lookup key → ring slot of the newest State finished under that key. */
  private readonly slotOf = new Map<number, number>();
  private oldest = 0;
  private count = 0;

  constructor(
    /** At most this many States are remembered; the oldest is forgotten first. */
    private readonly capacity: number,
    /** A State is forgotten this long after it finished. */
    private readonly lifetimeMs: number,
    /** Octets of every State (the owner of States says how many: `STATE_OCTETS`). */
    private readonly stateOctets: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.states = new Uint8Array(capacity * stateOctets);
    this.times = new Float64Array(capacity);
    this.keys = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Whether a State with this lookup key is remembered (a new State must not reuse it). */
  has(key: number): boolean {
    return this.slotOf.has(key);
  }

  /** Remembers a finished State under its lookup key (a small non-negative integer). */
  add(key: number, state: Uint8Array, now: number): void {
    if (state.length !== this.stateOctets) throw new RangeError(`a State has ${this.stateOctets} octets`);
    if (this.count === this.capacity) this.dropOldest();
    const slot = (this.oldest + this.count) % this.capacity;
    this.states.set(state, slot * this.stateOctets);
    this.times[slot] = now;
    this.keys[slot] = key;
    this.slotOf.set(key, slot);
    this.count++;
  }

  /** True when exactly this State finished less than the lifetime ago; compared on all octets in constant time. */
  wasUsed(key: number, state: Uint8Array, now: number): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined || state.length !== this.stateOctets) return false;
    if (now - this.times[slot]! >= this.lifetimeMs) return false;
    const start = slot * this.stateOctets;
    return timingSafeEqual(this.states.subarray(start, start + this.stateOctets), state);
  }

  /** Forgets States older than the lifetime. Times only grow in ring order, so this stops at the first young one. */
  sweep(now: number): void {
    while (this.count > 0 && now - this.times[this.oldest]! >= this.lifetimeMs) this.dropOldest();
  }

  private dropOldest(): void {
    const slot = this.oldest;
    const key = this.keys[slot]!;
    // The key may name a newer slot since (keys are reused once forgotten); only drop the entry this slot wrote.
    if (this.slotOf.get(key) === slot) this.slotOf.delete(key);
    this.states.fill(0, slot * this.stateOctets, (slot + 1) * this.stateOctets);
    this.oldest = (slot + 1) % this.capacity;
    this.count--;
  }
}
