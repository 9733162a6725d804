// Owns opening the embedded store as configured: key file → sealer, SQLite file → the store adapters.

import type Database from 'better-sqlite3';
import type { AccountLockoutStore } from '../domain/account-lockout.js';
import type { ApiKeyStore } from '../domain/api-key.js';
import type { ApiTransactionStore } from '../domain/api-transaction.js';
import type { Awaitable } from '../domain/awaitable.js';
import type { ChallengeStore } from '../domain/challenge-session.js';
import type { ChangeFeed } from '../domain/change-feed.js';
import type { EnrollmentLinkStore } from '../domain/enrollment-link-store.js';
import type { GraceLoginStore } from '../domain/grace-logins.js';
import type { OwnWayStore } from '../domain/own-ways.js';
import type { PendingTotpStore } from '../domain/pending-totp-store.js';
import type { PortalSessionStore } from '../domain/portal-session-store.js';
import { type ClientStore, StoreError, StoreErrorCode, type UserStore } from '../domain/ports.js';
import type { PushDeviceStore } from '../domain/push-device.js';
import type { PushLimitRecords } from '../domain/push-limit-records.js';
import type { PushMutes } from '../domain/push-mutes.js';
import type { PushStreaks } from '../domain/push-streaks.js';
import type { DecisionNotices, TransactionStore } from '../domain/push-transaction.js';
import type { ServerSecretStore } from '../domain/server-secret.js';
import type { SignInStore } from '../domain/sign-in.js';
import type { TokenStore } from '../domain/token.js';
import { MemoryChallengeStore } from './memory/memory-challenge-store.js';
import { MemoryTransactionStore } from './memory/memory-transaction-store.js';
import { openPostgresStores } from './postgres/open-postgres.js';
import { loadSealer } from './sealer.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import { SqliteAccountLockoutStore } from './sqlite/sqlite-account-lockout-store.js';
import { SqliteApiKeyStore } from './sqlite/sqlite-api-key-store.js';
import { SqliteApiTransactionStore } from './sqlite/sqlite-api-transaction-store.js';
import { SqliteChangeFeed } from './sqlite/sqlite-change-feed.js';
import { SqliteClientStore } from './sqlite/sqlite-client-store.js';
import { SqliteEnrollmentLinkStore } from './sqlite/sqlite-enrollment-link-store.js';
import { SqliteGraceLoginStore } from './sqlite/sqlite-grace-login-store.js';
import { sqliteHolderQueries } from './sqlite/sqlite-holder-queries.js';
import { SqlitePendingTotpStore } from './sqlite/sqlite-pending-totp-store.js';
import { SqlitePortalSessionStore } from './sqlite/sqlite-portal-session-store.js';
import { SqlitePushDeviceStore } from './sqlite/sqlite-push-device-store.js';
import { SqlitePushMutes } from './sqlite/sqlite-push-mutes.js';
import { SqlitePushStreaks } from './sqlite/sqlite-push-streaks.js';
import { SqliteServerSecretStore } from './sqlite/sqlite-server-secret-store.js';
import { SqliteSignInStore } from './sqlite/sqlite-sign-in-store.js';
import { SqliteTokenStore } from './sqlite/sqlite-token-store.js';
import { SqliteUserStore } from './sqlite/sqlite-user-store.js';
import { SyncOwnWayStore } from './sync-own-way-store.js';
import type { HolderQueries } from './token-holders.js';

/** The subset of the configuration the store needs (paths already resolved by the config loader). */
export interface StoreConfig {
  readonly storage: {
    readonly sqlitePath: string;
    readonly autoMigrate?: boolean;
    /** `postgres://…`: the shared PostgreSQL database instead of the SQLite file (docs/storage.md). */
    readonly url?: string;
    readonly poolSize?: number;
    /** PostgreSQL: how long a connection or a query may take before it fails (the login with it). */
    readonly timeoutMs?: number;
  };
  readonly secrets: { readonly keyFile: string };
}

/** How often the SQLite feed looks for writes by other processes (`assent user disable` takes effect after it). */
export const CHANGE_POLL_MS = 100;

export interface Stores {
  /** Which database: every node of a `postgres` site shares it; a `sqlite` file belongs to one server. */
  readonly kind: 'sqlite' | 'postgres';
  /** The SQLite file, or the PostgreSQL URL without its password: for logs and messages. */
  readonly location: string;
  readonly users: UserStore;
  readonly clients: ClientStore;
  readonly tokens: TokenStore;
  /** Folds replay-journal marks (token id → newest accepted step/counter) into the tokens; never backwards. */
  applyReplayMarks(marks: ReadonlyMap<number, { lastUsed: number; drift: number }>): Awaitable<number>;
  /** Per-account failure counters and locks (docs/security.md A6.5). */
  readonly lockouts: AccountLockoutStore;
  /** Enrolled push authenticators and their activation codes (docs/push.md §3). */
  readonly pushDevices: PushDeviceStore;
  /**
   * A user's own removal of a push device or token under the last-way rule (SECURITY A12.7), one atomic step per
   * user: SQLite's IMMEDIATE transaction, PostgreSQL's transaction under a per-user advisory lock (every node).
   */
  readonly ownWays: OwnWayStore;
  /** Grace sign-ins used by users without a second factor (issue 18). */
  readonly graceLogins: GraceLoginStore;
  /** Each user's final login outcomes, for the portal's sign-in history (issue 18); written in batches. */
  readonly signIns: SignInStore;
  /** The server's own keys (push signing, VAPID), sealed. */
  readonly serverSecrets: ServerSecretStore;
  /** Keys of the REST API on the admin listener, as hashes (docs/api.md "Keys"). */
  readonly apiKeys: ApiKeyStore;
  /**
   * Logins in progress (docs/storage.md "Logins across nodes"): push transactions, the challenge table, and how
   * this node hears decisions made on another. SQLite: this process's memory, no notices (one node). PostgreSQL:
   * rows every node shares, and LISTEN.
   */
  readonly transactions: TransactionStore;
  challenges(lifetimeMs: number): ChallengeStore;
  decisionNotices(onError: (error: unknown) => void): DecisionNotices | undefined;
  /** Recent pushes and mutes of every node, for the push limits; undefined on SQLite (one node counts in memory). */
  readonly pushLimitRecords: PushLimitRecords | undefined;
  /** "This wasn't me" mutes (A7.8), in the database on both: they outlive a restart and `user unlock` lifts them. */
  readonly pushMutes: PushMutes;
  /**
   * `/api/v2/transactions` records and Idempotency-Key answers (migration 16), in the database on both; `onError`
   * hears a lost notice connection (PostgreSQL: how a node learns that a record it streams ended on another).
   */
  apiTransactions(onError: (error: unknown) => void): ApiTransactionStore;
  /** Number-matching streaks (A7.7), in the database on both: every node counts one, and a restart keeps it. */
  readonly pushStreaks: PushStreaks;
  /** The user portal's sessions (A12.2), in the database on both: any node answers a browser, a restart keeps them. */
  readonly portalSessions: PortalSessionStore;
  /** Authenticator-app secrets awaiting their first code (A12.6), in the database on both, sealed (A9.1). */
  readonly pendingTotps: PendingTotpStore;
  /**
   * Enrollment-at-login links, their chosen TOTP keys and issue bounds (issue 18, A11.4), in the database on both:
   * any node serves a link's page and its first code, a restart keeps them; keys sealed (A9.1).
   */
  readonly enrollmentLinks: EnrollmentLinkStore;
  /** Non-fatal problems found while opening (e.g. a key file readable by others). */
  readonly warnings: readonly string[];
  /** One round trip to the database (readiness). @throws StoreError when it does not answer */
  ping(): Awaitable<void>;
  /** A reader of the change log, not started; `onError` hears failed reads and lost connections. */
  changeFeed(onError: (error: unknown) => void): ChangeFeed;
  /** The reads behind the token-holder index (who holds tokens or push devices, and their code lengths). */
  readonly holderQueries: HolderQueries;
  /**
   * Runs `fn` as one unit. SQLite: one IMMEDIATE transaction, so `fn` must use the stores synchronously (they
   * answer values there). PostgreSQL: the steps run one after another, each one atomic statement; the callers
   * (unlock, a user's status and groups, a token resync, a batch of replay-guard compare-and-sets) are steps
   * that are safe to repeat after a failure half-way.
   */
  transaction<T>(fn: () => Awaitable<T>): Awaitable<T>;
  /** The SQLite handle, for what only SQLite has (online backup, restore's checks); undefined on PostgreSQL. */
  readonly sqlite: Database.Database | undefined;
  close(): Awaitable<void>;
}

/**
 * Opens the stores. SECURITY A9.4: without a usable key nothing opens, so no authentication can run on
 * secrets that cannot be read.
 * @throws SealError when the key file is missing or unusable; StoreError `STORE_UNAVAILABLE` when the database cannot be opened or migrated.
 */
export function openStores(config: StoreConfig): Stores {
  const { sealer, warnings } = loadSealer(config.secrets.keyFile);
  // Issue 12: every opener (server and CLI) refuses a damaged file with a clear message before using it.
  const db = openSqlite(config.storage.sqlitePath, {
    integrityCheck: true,
    applyMigrations: config.storage.autoMigrate ?? true,
  });
  const tokens = new SqliteTokenStore(db, sealer);
  const pushDevices = new SqlitePushDeviceStore(db, sealer);
  return {
    kind: 'sqlite',
    location: config.storage.sqlitePath,
    users: new SqliteUserStore(db),
    clients: new SqliteClientStore(db, sealer),
    tokens,
    applyReplayMarks: (marks) => tokens.applyReplayMarks(marks),
    lockouts: new SqliteAccountLockoutStore(db),
    pushDevices,
    ownWays: new SyncOwnWayStore(tokens, pushDevices, (fn) => db.transaction(fn).immediate()),
    serverSecrets: new SqliteServerSecretStore(db, sealer),
    graceLogins: new SqliteGraceLoginStore(db),
    signIns: new SqliteSignInStore(db),
    apiKeys: new SqliteApiKeyStore(db),
    transactions: new MemoryTransactionStore(),
    challenges: (lifetimeMs) => new MemoryChallengeStore(lifetimeMs),
    decisionNotices: () => undefined,
    pushLimitRecords: undefined,
    pushMutes: new SqlitePushMutes(db),
    apiTransactions: () => new SqliteApiTransactionStore(db),
    pushStreaks: new SqlitePushStreaks(db),
    portalSessions: new SqlitePortalSessionStore(db),
    pendingTotps: new SqlitePendingTotpStore(db, sealer),
    enrollmentLinks: new SqliteEnrollmentLinkStore(db, sealer),
    warnings,
    sqlite: db,
    holderQueries: sqliteHolderQueries(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    ping: () => {
      if (!db.open || db.prepare('SELECT 1 AS ok').get() === undefined) {
        throw new StoreError(
          StoreErrorCode.Unavailable,
          `the database ${config.storage.sqlitePath} is closed`,
        );
      }
    },
    changeFeed: (onError) => new SqliteChangeFeed(db, { pollMs: CHANGE_POLL_MS, onError }),
    close: () => {
      if (db.open) db.close();
    },
  };
}

/** Opens what the configuration names: PostgreSQL when `storage.url` is set, else the SQLite file. */
export function openConfiguredStores(config: StoreConfig): Promise<Stores> {
  if ((config.storage.url ?? '') !== '') return openPostgresStores(config);
  try {
    return Promise.resolve(openStores(config));
  } catch (error) {
    return Promise.reject(error);
  }
}
