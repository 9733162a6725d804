// Owns the node-local login index: every user and token in memory, kept current row by row by the change feed.
import type { Change, ChangeSink } from '../domain/change-feed.js';
import type { UserStore } from '../domain/ports.js';
import type { TokenStore } from '../domain/token.js';
import type { CachingLockoutStore } from './caching-lockout-store.js';
import type { CachingTokenStore } from './caching-token-store.js';
import type { CachingUserStore } from './caching-user-store.js';
import type { TokenHolders } from './sqlite/token-holders.js';

/** The in-memory parts the login path reads, each told separately what changed. */
export interface LoginIndexParts {
  readonly users: CachingUserStore;
  readonly tokens: CachingTokenStore;
  readonly lockouts: CachingLockoutStore;
  readonly holders: TokenHolders;
  /** Reads the RADIUS client table again (a client was added, removed or given a new secret). */
  readonly reloadClients: () => void;
}

export interface LoadFigures {
  readonly users: number;
  readonly tokens: number;
  readonly ms: number;
}

/**
 * Why: a site's morning rush is mostly users the server has not seen since it started. Reading each one's row
 * and unsealing its seeds at that first login cost about twice a warm login (docs/performance.md); loading
 * everything once at start makes a first login a warm one, and answers made-up names without a query.
 *
 * What a change means here: `user` → that user is read again at its next login; `token` → its tokens likewise,
 * and the token-holder index (who holds what code lengths, who has push) at once; `device` → that index; `lockout`
 * → the account's lockout row at once; `client` → the client table. The feed must be started before `load`, so
 * nothing written between the two is missed (a change already in what was loaded is only read twice).
 */
export class LoginIndex implements ChangeSink {
  constructor(
    private readonly parts: LoginIndexParts,
    private readonly sources: { readonly users: UserStore; readonly tokens: TokenStore },
  ) {}

  /** Reads every user and token (seeds unsealed) into memory; from then on a miss means "none". */
  load(now: () => number = performance.now.bind(performance)): LoadFigures {
    const started = now();
    const users = this.sources.users.list();
    this.parts.users.load(users);
    const tokens = this.sources.tokens.list();
    this.parts.tokens.load(tokens);
    this.parts.holders.refresh(tokens);
    return { users: users.length, tokens: tokens.length, ms: now() - started };
  }

  changed(changes: readonly Change[]): void {
    let clients = false;
    for (const change of changes) {
      switch (change.kind) {
        case 'user':
          this.parts.users.refresh(change.key);
          break;
        case 'token':
          this.parts.tokens.refreshUser(change.key);
          this.parts.holders.refreshUser(change.key);
          break;
        case 'device':
          this.parts.holders.refreshUser(change.key);
          break;
        case 'lockout':
          this.parts.lockouts.refresh(change.key);
          break;
        case 'client':
          clients = true;
          break;
      }
    }
    if (clients) this.parts.reloadClients();
  }

  lost(): void {
    this.parts.users.invalidateAll();
    this.parts.tokens.invalidateAll();
    this.parts.lockouts.invalidateAll();
    this.parts.holders.refresh();
    this.parts.reloadClients();
  }
}
