// The memory SignInStore with every row in id order (`rows`), so the portal's tests can look at what was recorded.
import type { NewSignIn, SignIn } from '../../src/domain/sign-in.js';
import { MemorySignInStore } from '../../src/store/memory/memory-sign-in-store.js';

export class ListSignIns extends MemorySignInStore {
  readonly #users = new Set<string>();

  override append(entries: readonly NewSignIn[]): void {
    for (const entry of entries) this.#users.add(entry.userName);
    super.append(entries);
  }

  /** Every row, oldest first (as recorded), with its current `notMeAt`. */
  get rows(): SignIn[] {
    return [...this.#users]
      .flatMap((user) => this.recent(user, Number.MAX_SAFE_INTEGER))
      .sort((a, b) => a.id - b.id);
  }
}
