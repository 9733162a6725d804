// Owns the server's in-memory view of its store: the caches, the replay journal, and the login index and change
// feed that keep them current.
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import type { ClosablePasswordVerifier } from './directory/password/password-verifier.js';
import type { OwnWayStore } from './domain/own-ways.js';
import { CachingLockoutStore } from './store/caching-lockout-store.js';
import { CachingOwnWayStore } from './store/caching-own-way-store.js';
import { CachingTokenStore } from './store/caching-token-store.js';
import { CachingUserStore } from './store/caching-user-store.js';
import { LoginIndex } from './store/login-index.js';
import type { Stores } from './store/open-stores.js';
import type { ReplayJournal } from './store/replay-journal.js';
import { TokenHolders } from './store/token-holders.js';
import { openChangeFeed, openReplayJournal } from './store-wiring.js';

export interface CacheWiringDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly passwords: ClosablePasswordVerifier;
  readonly logger: Logger;
  /** Run in order at close; the journal and the feed add theirs. */
  readonly cleanups: (() => unknown)[];
  /** Reads the RADIUS client table again, when the feed says a client changed. */
  readonly reloadClients: () => void;
}

export interface Caches {
  readonly users: CachingUserStore;
  readonly tokenHolders: TokenHolders;
  /** SQLite only: the replay-guard journal beside the database, folded in again at close. */
  readonly journal: ReplayJournal | undefined;
  readonly tokens: CachingTokenStore;
  /** The store's own-way removals, forgetting the user's cached tokens as `tokens.remove` does. */
  readonly ownWays: OwnWayStore;
  readonly lockouts: CachingLockoutStore;
  /** This process wrote to the store outside the caches (REST API, portal): apply its change rows now. */
  readonly storesChanged: () => void;
}

/** Opens the caches over `stores` and, with `storage.loginIndex: memory`, loads every user and token into them. */
export async function openCaches(deps: CacheWiringDeps): Promise<Caches> {
  const { config, stores, passwords, logger, cleanups } = deps;
  const users = new CachingUserStore(stores.users, undefined, passwords.prepare?.bind(passwords));
  // The login index fills it from the tokens it reads anyway; a lazy server reads it here.
  const tokenHolders = new TokenHolders(stores.holderQueries);
  if (config.storage.loginIndex !== 'memory') await tokenHolders.refresh();
  // The journal is a file beside the SQLite database; on PostgreSQL every node's compare-and-set is in the
  // database itself (one conditional UPDATE per accepted code), which is what makes a code spent on all nodes.
  const journal = stores.kind === 'sqlite' ? await openReplayJournal(config, stores, logger) : undefined;
  if (journal !== undefined) cleanups.push(() => journal.close());
  const tokens = new CachingTokenStore(stores.tokens, (fn) => stores.transaction(fn), journal);
  const lockouts = new CachingLockoutStore(stores.lockouts);
  // A6.7: no code is checked before every current lock is in memory (a failed read stops the start).
  await lockouts.loaded;
  const index = new LoginIndex(
    { users, tokens, lockouts, holders: tokenHolders, reloadClients: () => deps.reloadClients() },
    stores,
    (error) =>
      logger.error(
        { event: 'store.reread_failed', err: error },
        'a row another writer changed could not be read again',
      ),
  );
  const feed = await openChangeFeed(stores, logger, index);
  cleanups.push(() => feed.close());
  // SQLite: a name unknown to memory may be a user another process added since the last poll (docs/storage.md).
  const catchUp = feed.catchUp?.bind(feed);
  if (catchUp !== undefined && config.storage.loginIndex === 'memory') users.lookAgainOnMiss(catchUp);
  if (config.storage.loginIndex === 'memory') {
    const loaded = await index.load();
    logger.info(
      {
        event: 'store.login_index_loaded',
        users: loaded.users,
        tokens: loaded.tokens,
        ms: Math.round(loaded.ms),
        rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
      },
      'every user and token loaded into memory',
    );
  }
  const ownWays = new CachingOwnWayStore(stores.ownWays, tokens);
  return { users, tokenHolders, journal, tokens, ownWays, lockouts, storesChanged: () => feed.drain() };
}
