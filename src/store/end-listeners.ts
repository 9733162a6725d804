// Owns the in-process listeners told to read a shared row again, per row id: the `…/events` streams of
// `/api/v2/transactions` records a node holds (every adapter uses it), and portal push waits on a node that did not
// send the push (push-wiring: decision notices).

/**
 * A callback per waiter, by id; `wake` calls them and leaves them registered (a wake says "read again", not "it
 * ended": the listener decides and stops itself).
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
