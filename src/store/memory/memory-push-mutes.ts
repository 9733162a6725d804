// Owns the in-process PushMutes adapter: the conformance suite's reference and the stores of tests.
import type { PushMutes } from '../../domain/push-mutes.js';

export class MemoryPushMutes implements PushMutes {
  readonly #until = new Map<string, number>();

  until(userName: string): number {
    return this.#until.get(userName) ?? 0;
  }

  mute(userName: string, until: number): void {
    this.#until.set(userName, Math.max(until, this.#until.get(userName) ?? 0));
  }

  lift(userName: string, now: number): boolean {
    const until = this.#until.get(userName);
    this.#until.delete(userName);
    return until !== undefined && until > now;
  }
}
