// Owns who waits to hear that a push may have been decided on another node without holding a login for it: a
// portal long poll on a node that did not send the push (docs/storage.md "Logins across nodes").

/**
 * Callbacks by push id. A decision notice (PostgreSQL `NOTIFY assent_push_decided`) names one push; after notices
 * were missed (the listening connection was lost), every hearer is told, since any push may have been decided
 * meanwhile. Being told means "read the row again", never "it was decided".
 */
export class DecisionHearers {
  readonly #byPush = new Map<string, Set<() => void>>();

  /** Calls `heard` at each notice naming `txn` (and after missed notices); returns how to stop. */
  hear(txn: string, heard: () => void): () => void {
    let set = this.#byPush.get(txn);
    if (set === undefined) {
      set = new Set();
      this.#byPush.set(txn, set);
    }
    set.add(heard);
    const mine = set;
    return () => {
      mine.delete(heard);
      if (mine.size === 0 && this.#byPush.get(txn) === mine) this.#byPush.delete(txn);
    };
  }

  /** A notice named `txn`. */
  tell(txn: string): void {
    const set = this.#byPush.get(txn);
    if (set !== undefined) for (const heard of [...set]) heard();
  }

  /** Notices may have been lost: everyone reads again. */
  tellAll(): void {
    for (const txn of [...this.#byPush.keys()]) this.tell(txn);
  }

  /** Pushes someone waits to hear about. */
  get size(): number {
    return this.#byPush.size;
  }
}
