// Owns the in-memory adapter of the SignInStore port, for unit tests of the recorder and the routes.
import type { NewSignIn, SignIn, SignInStore } from '../../domain/sign-in.js';

export class MemorySignInStore implements SignInStore {
  /** In id order: a Map keeps insertion order, and ids only grow. */
  readonly #rows = new Map<number, SignIn>();
  #nextId = 1;

  append(entries: readonly NewSignIn[]): void {
    for (const entry of entries) {
      const id = this.#nextId++;
      this.#rows.set(id, { ...entry, id, notMeAt: null });
    }
  }

  recent(userName: string, limit: number): SignIn[] {
    return this.#newestFirst(userName, Number.POSITIVE_INFINITY, limit);
  }

  olderThan(userName: string, id: number, limit: number): SignIn[] {
    if (this.#rows.get(id)?.userName !== userName) return [];
    return this.#newestFirst(userName, id, limit);
  }

  get(id: number): SignIn | undefined {
    return this.#rows.get(id);
  }

  markNotMe(id: number, at: Date): boolean {
    const row = this.#rows.get(id);
    if (row === undefined || row.notMeAt !== null) return false;
    this.#rows.set(id, { ...row, notMeAt: at.toISOString() });
    return true;
  }

  pruneBefore(before: Date): number {
    const cutoff = before.toISOString();
    let pruned = 0;
    // Oldest first, up to the first that is not older: the port's rule (the SQLite adapter's order).
    for (const [id, row] of this.#rows) {
      if (row.at >= cutoff) break;
      this.#rows.delete(id);
      pruned++;
    }
    return pruned;
  }

  #newestFirst(userName: string, belowId: number, limit: number): SignIn[] {
    const out: SignIn[] = [];
    const all = [...this.#rows.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const row = all[i]!;
      if (row.id < belowId && row.userName === userName) out.push(row);
    }
    return out;
  }
}
