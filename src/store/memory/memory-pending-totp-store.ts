// Owns the in-process PendingTotpStore: the conformance suite's reference and the stores of tests.
import type {
  PendingTotpBounds,
  PendingTotpStore,
  StoredPendingTotp,
} from '../../domain/pending-totp-store.js';

/** A map in insertion order, so the first entries are the oldest (the ones the bounds drop). */
export class MemoryPendingTotpStore implements PendingTotpStore {
  readonly #pending = new Map<string, StoredPendingTotp>();

  add(pending: StoredPendingTotp, bounds: PendingTotpBounds): void {
    const mine = [...this.#pending.values()].filter((p) => p.user === pending.user);
    for (const old of mine.slice(0, Math.max(0, mine.length - bounds.perUser + 1)))
      this.#pending.delete(old.key);
    for (const key of this.#pending.keys()) {
      if (this.#pending.size < bounds.max) break;
      this.#pending.delete(key);
    }
    this.#pending.set(pending.key, { ...pending, secret: Uint8Array.from(pending.secret) });
  }

  find(key: string, now: number): StoredPendingTotp | undefined {
    const pending = this.#pending.get(key);
    if (pending === undefined || pending.expiresAt <= now) return undefined;
    return { ...pending, secret: Uint8Array.from(pending.secret) };
  }

  take(key: string, now: number): boolean {
    const pending = this.#pending.get(key);
    if (pending === undefined || pending.expiresAt <= now) return false;
    return this.#pending.delete(key);
  }

  sweep(now: number): number {
    let swept = 0;
    for (const [key, pending] of this.#pending) {
      if (pending.expiresAt > now) continue;
      this.#pending.delete(key);
      swept += 1;
    }
    return swept;
  }
}
