// Owns the in-process PushStreaks adapter: the conformance suite's reference and the stores of tests.
import type { PushStreaks } from '../../domain/push-streaks.js';

export class MemoryPushStreaks implements PushStreaks {
  readonly #misses = new Map<string, number>();

  misses(userName: string): number {
    return this.#misses.get(userName) ?? 0;
  }

  missed(userName: string): void {
    this.#misses.set(userName, (this.#misses.get(userName) ?? 0) + 1);
  }

  approved(userName: string): void {
    this.#misses.delete(userName);
  }
}
