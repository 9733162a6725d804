// Owns keeping the server's token cache true across a removal by the OwnWayStore port (SECURITY A12.7, A6.4).
import type { Awaitable } from '../domain/awaitable.js';
import type { OwnRemoval, OwnWayStore } from '../domain/own-ways.js';

/** The part of the token cache (CachingTokenStore) a removal must reach. */
export interface UserTokenCache {
  /** Forgets the user's cached tokens: the next use reads the store. */
  refreshUser(userName: string): void;
}

/**
 * The removal goes to the database in one step of its own (the adapter's transaction), past CachingTokenStore's
 * `remove`, so this does what that `remove` does: the user's cached tokens are forgotten before the write, and
 * again when a write that answers later ends, as a read under way meanwhile may have brought back the token being
 * removed. So a removed token never answers a code from this node's memory. Other nodes hear of it through the
 * change feed, and this node's token-holder index when its caller says the stores changed (as after a `remove`).
 */
export class CachingOwnWayStore implements OwnWayStore {
  constructor(
    private readonly inner: OwnWayStore,
    private readonly tokens: UserTokenCache,
  ) {}

  removeOwn(userName: string, id: string, allowLast: boolean): Awaitable<OwnRemoval> {
    this.tokens.refreshUser(userName);
    const result = this.inner.removeOwn(userName, id, allowLast);
    if (!(result instanceof Promise)) return result;
    return result.finally(() => this.tokens.refreshUser(userName));
  }
}
