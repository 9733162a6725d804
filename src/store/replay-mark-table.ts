// Owns the replay journal's marks in memory: token id → newest accepted step / counter and drift, in one flat table.

/** A token's newest accepted step or counter, and the clock drift it was accepted at. */
export interface ReplayMark {
  readonly lastUsed: number;
  readonly drift: number;
}

/** Slot layout in the one Float64Array: token id (EMPTY when free) ‖ last used ‖ drift. */
const STRIDE = 3;
const EMPTY = -1;
const MIN_SLOTS = 1024;
/** Linear probing stays short below this fill (the hash spreads ids in sequence over the whole table). */
const MAX_LOAD = 0.75;

function slotsFor(marks: number): number {
  let slots = MIN_SLOTS;
  while (slots * MAX_LOAD < marks) slots *= 2;
  return slots;
}

/**
 * Why not a Map of objects: a token's first accepted code since start would add a Map entry and a mark object that
 * live as long as the server, so a morning rush of first logins grew the heap by both, and the collector copied
 * and promoted them (and the process took page faults for the memory they needed, ~11 µs each on a machine whose
 * balloon reclaims freed pages). Here every mark lives in one typed array sized at start for every token
 * (`reserve`), whose pages are touched then: moving a mark, first or not, allocates nothing.
 *
 * Keys are token ids (row ids, unsigned 32-bit; Float64 holds them exactly), found by linear probing from a
 * multiplicative (Fibonacci) hash of the id. Not from `id mod slots`: row ids come in sequence, so they would fill
 * one run of slots, and a newer id that wraps into that run would probe through all of it.
 */
export class ReplayMarkTable {
  private slots: Float64Array;
  private mask: number;
  /** 32 − log2(slots): the hash's top bits pick the home slot. */
  private shift: number;
  private count = 0;

  constructor(expected = 0) {
    const slots = slotsFor(expected);
    this.slots = ReplayMarkTable.emptySlots(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  /** Every slot written once here, so the pages are faulted in now rather than by the logins that use them. */
  private static emptySlots(slots: number): Float64Array {
    const table = new Float64Array(slots * STRIDE);
    for (let i = 0; i < table.length; i += STRIDE) table[i] = EMPTY;
    return table;
  }

  get size(): number {
    return this.count;
  }

  /** Grows the table now so that `marks` marks fit without growing later (the login index knows its tokens). */
  reserve(marks: number): void {
    if (slotsFor(marks) > this.mask + 1) this.resize(slotsFor(marks));
  }

  /** The slot index (times STRIDE) holding `tokenId`, or the free one where it would go. */
  private find(tokenId: number): number {
    const slots = this.slots;
    // 2^32 / golden ratio: consecutive ids land far apart.
    let slot = Math.imul(tokenId, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const at = slot * STRIDE;
      const key = slots[at]!;
      if (key === tokenId || key === EMPTY) return at;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The mark of `tokenId` as an object (for reads from the database, not the login path), or undefined. */
  get(tokenId: number): ReplayMark | undefined {
    const at = this.find(tokenId);
    if (this.slots[at] !== tokenId) return undefined;
    return { lastUsed: this.slots[at + 1]!, drift: this.slots[at + 2]! };
  }

  /** Moves `tokenId`'s mark forward to `lastUsed` (SECURITY A6.4: only forward); an older one is ignored. */
  raise(tokenId: number, lastUsed: number, drift: number): void {
    let at = this.find(tokenId);
    if (this.slots[at] === tokenId) {
      if (lastUsed > this.slots[at + 1]!) {
        this.slots[at + 1] = lastUsed;
        this.slots[at + 2] = drift;
      }
      return;
    }
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
      this.resize((this.mask + 1) * 2);
      at = this.find(tokenId);
    }
    this.slots[at] = tokenId;
    this.slots[at + 1] = lastUsed;
    this.slots[at + 2] = drift;
    this.count++;
  }

  /** Calls `visit` for every mark (start, stop and compaction only: the callback costs a call per mark). */
  forEach(visit: (tokenId: number, lastUsed: number, drift: number) => void): void {
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += STRIDE) {
      const key = slots[at]!;
      if (key !== EMPTY) visit(key, slots[at + 1]!, slots[at + 2]!);
    }
  }

  /** The marks as a Map, for folding into the database at start and stop. */
  toMap(): Map<number, ReplayMark> {
    const marks = new Map<number, ReplayMark>();
    this.forEach((tokenId, lastUsed, drift) => {
      marks.set(tokenId, { lastUsed, drift });
    });
    return marks;
  }

  /** The most occupied slots in a row: how far a lookup may have to probe (for tests). */
  longestRun(): number {
    let longest = 0;
    let run = 0;
    for (let at = 0; at < this.slots.length; at += STRIDE) {
      run = this.slots[at] === EMPTY ? 0 : run + 1;
      if (run > longest) longest = run;
    }
    return longest;
  }

  /** Forgets every mark (the database took them); the table keeps its size. */
  clear(): void {
    for (let at = 0; at < this.slots.length; at += STRIDE) this.slots[at] = EMPTY;
    this.count = 0;
  }

  private resize(slots: number): void {
    const old = this.slots;
    this.slots = ReplayMarkTable.emptySlots(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
    for (let at = 0; at < old.length; at += STRIDE) {
      const key = old[at]!;
      if (key === EMPTY) continue;
      const to = this.find(key);
      this.slots[to] = key;
      this.slots[to + 1] = old[at + 1]!;
      this.slots[to + 2] = old[at + 2]!;
    }
  }
}
