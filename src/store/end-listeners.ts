// Owns the in-process listeners of ended `/api/v2/transactions` records, per record id (every adapter uses it
// for the streams its own node holds).

/**
 * A callback per held `…/events` stream, by record id; `wake` calls them and leaves them registered (a wake says
 * "read again", not "it ended": the listener decides and stops itself).
 */
export class EndListeners {
  readonly #byId = new Map<string, Set<() => void>>();

  /** Registers `wake` for `id`; returns how to unregister it. */
  add(id: string, wake: () => void): () => void {
    let set = this.#byId.get(id);
    if (set === undefined) {
      set = new Set();
      this.#byId.set(id, set);
    }
    set.add(wake);
    return () => {
      const current = this.#byId.get(id);
      if (current === undefined) return;
      current.delete(wake);
      if (current.size === 0) this.#byId.delete(id);
    };
  }

  wake(id: string): void {
    const set = this.#byId.get(id);
    // A copy: a listener that stops itself changes the set while it is walked.
    if (set !== undefined) for (const wake of [...set]) wake();
  }

  /** After notices may have been lost: every listener reads again. */
  wakeAll(): void {
    for (const id of [...this.#byId.keys()]) this.wake(id);
  }

  get size(): number {
    return this.#byId.size;
  }
}
