// Owns the RADIUS requests held while a push is pending: transaction id → requests, with its own cap (A3.5).

/**
 * A map entry per waiting transaction (ARCHITECTURE §5: a held request costs memory, not a thread or a promise).
 * Usually one request per transaction; a NAS that resends with a new Identifier or authenticator but the same
 * State adds another to the same transaction (SECURITY A3.4), and every one of them gets the decision.
 */
export class HeldRequests<R extends { readonly started: number }> {
  private readonly byTransaction = new Map<string, R | R[]>();
  private count = 0;

  /** @param max `push.maxPending`: requests held at once, apart from `radius.maxInFlight`. */
  constructor(private readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** Holds `request` for `transactionId`; false when the cap is reached (the caller refuses the request). */
  hold(transactionId: string, request: R): boolean {
    if (this.count >= this.max) return false;
    const held = this.byTransaction.get(transactionId);
    if (held === undefined) this.byTransaction.set(transactionId, request);
    else if (Array.isArray(held)) held.push(request);
    else this.byTransaction.set(transactionId, [held, request]);
    this.count++;
    return true;
  }

  /** Removes and returns every request held for `transactionId` (none for a transaction already answered). */
  take(transactionId: string): readonly R[] {
    const held = this.byTransaction.get(transactionId);
    if (held === undefined) return [];
    this.byTransaction.delete(transactionId);
    const list = Array.isArray(held) ? held : [held];
    this.count -= list.length;
    return list;
  }

  /**
   * Removes requests held longer than `maxAgeMs` (a decision that never came: the push window is always
   * shorter) and returns them; also used to empty the table at shutdown (`maxAgeMs` = -1).
   */
  expire(now: number, maxAgeMs: number): R[] {
    const out: R[] = [];
    for (const [transactionId, held] of this.byTransaction) {
      const list = Array.isArray(held) ? held : [held];
      if (list.every((request) => now - request.started <= maxAgeMs)) continue;
      out.push(...this.take(transactionId));
    }
    return out;
  }
}
