// Owns the in-process PortalSessionStore: the conformance suite's reference and the stores of tests.
import {
  type PortalDeadlines,
  type PortalSessionChange,
  type PortalSessionStore,
  portalSessionExpired,
  type StoredPortalSession,
} from '../../domain/portal-session-store.js';

/** A map in insertion order, so the first key is the oldest session (the one the bound drops). */
export class MemoryPortalSessionStore implements PortalSessionStore {
  readonly #sessions = new Map<string, StoredPortalSession>();

  create(session: StoredPortalSession, max: number, now: number, deadlines: PortalDeadlines): void {
    if (this.#sessions.size >= max) this.sweep(now, deadlines);
    while (this.#sessions.size >= max) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done) break;
      this.#sessions.delete(oldest.value);
    }
    this.#sessions.set(session.key, { ...session });
  }

  find(key: string): StoredPortalSession | undefined {
    const session = this.#sessions.get(key);
    return session === undefined ? undefined : { ...session };
  }

  update(key: string, change: PortalSessionChange, whileStage?: StoredPortalSession['stage']): boolean {
    const session = this.#sessions.get(key);
    if (session === undefined) return false;
    if (whileStage !== undefined && session.stage !== whileStage) return false;
    const next = { ...session, ...change };
    if (next.key !== key) this.#sessions.delete(key);
    this.#sessions.set(next.key, next);
    return true;
  }

  addCodeFailure(key: string): number {
    const session = this.#sessions.get(key);
    if (session === undefined) return 0;
    const codeFailures = session.codeFailures + 1;
    this.#sessions.set(key, { ...session, codeFailures });
    return codeFailures;
  }

  end(key: string): void {
    this.#sessions.delete(key);
  }

  sweep(now: number, deadlines: PortalDeadlines): number {
    let swept = 0;
    for (const [key, session] of this.#sessions) {
      if (!portalSessionExpired(session, now, deadlines)) continue;
      this.#sessions.delete(key);
      swept++;
    }
    return swept;
  }

  count(): number {
    return this.#sessions.size;
  }
}
