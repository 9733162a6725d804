// Owns the in-memory adapter of the GraceLoginStore port, for unit tests of use cases.
import type { GraceLoginStore, OwnGrace } from '../../domain/grace-logins.js';

export class MemoryGraceLoginStore implements GraceLoginStore {
  readonly #used = new Map<string, number>();
  readonly #own = new Map<string, OwnGrace>();

  used(userName: string): number {
    return this.#used.get(userName) ?? 0;
  }

  recordUse(userName: string, _at: Date): number {
    const next = this.used(userName) + 1;
    this.#used.set(userName, next);
    return next;
  }

  reset(userName: string): boolean {
    return this.#used.delete(userName);
  }

  ownGrace(userName: string): OwnGrace | undefined {
    return this.#own.get(userName);
  }

  setOwnGrace(userName: string, grace: OwnGrace | undefined, _at: Date): boolean {
    if (grace === undefined) return this.#own.delete(userName);
    this.#own.set(userName, { until: grace.until, logins: grace.logins });
    return true;
  }
}
