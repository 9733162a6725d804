// Owns the use cases over one user's sign-in history: read it newest first, and report one as "this wasn't me".
import type { Awaitable } from '../domain/awaitable.js';
import type { SignIn, SignInStore } from '../domain/sign-in.js';

export interface SignInHistoryDeps {
  readonly store: Pick<SignInStore, 'recent' | 'olderThan' | 'get' | 'markNotMe'>;
  /** Writes what the recorder still holds (sign-in-log.ts), so a reader sees the sign-in that just happened. */
  readonly flush: () => Awaitable<unknown>;
  /** SECURITY A7.8: mutes pushes to the user (PushLimits.mute); returns the ISO time the mute ends. */
  readonly mute: (userName: string, now: number) => string;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/** What reporting a sign-in did: `marked` is false when it was reported before (the mute starts again anyway). */
export interface NotMeResult {
  readonly signIn: SignIn;
  readonly mutedUntil: string;
  readonly marked: boolean;
}

export interface SignInHistory {
  /** The user's sign-ins newest first, at most `limit`; after their sign-in `afterId` when given (the next page). */
  list(userName: string, limit: number, afterId?: number): Promise<SignIn[]>;
  /**
   * "This wasn't me" about one of the user's sign-ins: marks it and mutes pushes to the user exactly as the same
   * answer to a push does (SECURITY A7.8), so a stolen password cannot be pushed through while the user acts.
   * @returns undefined when there is no such sign-in, or it is another user's (the caller answers 404 for both)
   */
  notMe(userName: string, id: number): Promise<NotMeResult | undefined>;
}

export function createSignInHistory(deps: SignInHistoryDeps): SignInHistory {
  const clock = deps.now ?? Date.now;
  return {
    async list(userName, limit, afterId) {
      await deps.flush();
      return afterId === undefined
        ? deps.store.recent(userName, limit)
        : deps.store.olderThan(userName, afterId, limit);
    },
    async notMe(userName, id) {
      const found = await deps.store.get(id);
      // Another user's sign-in is as unknown as a missing one: its existence is nobody else's business.
      if (found === undefined || found.userName !== userName) return undefined;
      const now = clock();
      const marked = await deps.store.markNotMe(id, new Date(now));
      const mutedUntil = deps.mute(userName, now);
      const signIn = marked ? ((await deps.store.get(id)) ?? found) : found;
      return { signIn, mutedUntil, marked };
    },
  };
}
