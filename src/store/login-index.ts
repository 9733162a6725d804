// Owns the node-local login index: every user and token in memory, kept current row by row by the change feed.
import { type Awaitable, whenReady } from '../domain/awaitable.js';
import type { Change, ChangeSink } from '../domain/change-feed.js';
import type { UserStore } from '../domain/ports.js';
import type { TokenStore } from '../domain/token.js';
import type { CachingLockoutStore } from './caching-lockout-store.js';
import type { CachingTokenStore } from './caching-token-store.js';
import type { CachingUserStore } from './caching-user-store.js';
import type { TokenHolders } from './token-holders.js';

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
    /**
     * Told when a row could not be read again over a store that answers with promises (the feed's own `onError`
     * hears what fails at once). The caches then keep, or fall back to reading the store: see each of them.
     */
    private readonly onError: (error: unknown) => void = (error) =>
      process.emitWarning(`login index: a changed row could not be read again: ${String(error)}`),
  ) {}

  /** Reads every user and token (seeds unsealed) into memory; from then on a miss means "none". */
  load(now: () => number = performance.now.bind(performance)): Awaitable<LoadFigures> {
    const started = now();
    return whenReady(this.sources.users.list(), (users) => {
      this.parts.users.load(users);
      return whenReady(this.sources.tokens.list(), (tokens) => {
        // One string per user name, not one per table: memory, and lookups that compare pointers.
        for (const token of tokens)
          (token as { userName: string }).userName = this.parts.users.sharedName(token.userName);
        this.parts.tokens.load(tokens);
        // From the tokens just read; the push holders are one more query (a promise on PostgreSQL).
        return whenReady(
          this.parts.holders.refresh(tokens),
          (): LoadFigures => ({
            users: users.length,
            tokens: tokens.length,
            ms: now() - started,
          }),
        );
      });
    });
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
          this.reportFailure(this.parts.holders.refreshUser(change.key));
          break;
        case 'device':
          this.reportFailure(this.parts.holders.refreshUser(change.key));
          break;
        case 'lockout':
          this.reportFailure(this.parts.lockouts.refresh(change.key));
          break;
        case 'client':
          clients = true;
          break;
      }
    }
    if (clients) this.parts.reloadClients();
  }

  lost(): void {
    this.reportFailure(this.parts.users.invalidateAll());
    this.reportFailure(this.parts.tokens.invalidateAll());
    this.reportFailure(this.parts.lockouts.invalidateAll());
    this.reportFailure(this.parts.holders.refresh());
    this.parts.reloadClients();
  }

  /** The feed delivers and moves on: a read that answers later reports its failure here. */
  private reportFailure(pending: Awaitable<void>): void {
    if (pending instanceof Promise) pending.catch(this.onError);
  }
}
