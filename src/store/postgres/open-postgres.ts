// Owns opening the PostgreSQL store as configured: key file → sealer, `storage.url` → a pool, the schema, the adapters.
import pg from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { StoreConfig, Stores } from '../open-stores.js';
import { loadSealer } from '../sealer.js';
import { PgAccountLockoutStore } from './pg-account-lockout-store.js';
import { PgApiKeyStore } from './pg-api-key-store.js';
import { PgApiTransactionStore } from './pg-api-transaction-store.js';
import { PgChallengeStore } from './pg-challenge-store.js';
import { PgChangeFeed } from './pg-change-feed.js';
import { PgClientStore } from './pg-client-store.js';
import { PgDecisionNotices } from './pg-decision-notices.js';
import { PgEnrollmentLinkStore } from './pg-enrollment-link-store.js';
import { toStoreError } from './pg-errors.js';
import { PgGraceLoginStore } from './pg-grace-login-store.js';
import { pgHolderQueries } from './pg-holder-queries.js';
import { migratePostgres } from './pg-migrate.js';
import { PgOwnWayStore } from './pg-own-way-store.js';
import { PgPendingTotpStore } from './pg-pending-totp-store.js';
import { PgPortalSessionStore } from './pg-portal-session-store.js';
import { PgPushDeviceStore } from './pg-push-device-store.js';
import { PgPushLimitRecords } from './pg-push-limit-records.js';
import { PgPushStreaks } from './pg-push-streaks.js';
import { PgServerSecretStore } from './pg-server-secret-store.js';
import { PgSignInStore } from './pg-sign-in-store.js';
import { PgTokenStore } from './pg-token-store.js';
import { PgTransactionStore } from './pg-transaction-store.js';
import { PgUserStore } from './pg-user-store.js';

/** A change-feed read without a notification, this often: catches what a reconnect missed. */
const FEED_POLL_MS = 1_000;
const FEED_RETRY_MS = 250;

/**
 * `postgres://user@host:port/db` with the password, if any, replaced: what logs and messages may show. node-postgres
 * also reads `PGPASSWORD` and `~/.pgpass`, which keep the password out of the configuration altogether.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/** The connection settings every pooled and feed connection uses. */
function connectionConfig(config: StoreConfig): pg.ClientConfig {
  const timeout = config.storage.timeoutMs ?? 3000;
  return {
    connectionString: config.storage.url,
    // Fail fast (issue 16): a NAS gives up after a few seconds; a login that waits longer helps nobody.
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    application_name: 'assent',
  };
}

/**
 * Opens the PostgreSQL stores: checks the URL, loads the key (SECURITY A9.4: nothing opens without it), connects
 * once and migrates (or refuses a newer schema, or pending migrations when `autoMigrate` is false).
 * @throws SealError for the key file; StoreError `STORE_UNAVAILABLE` for a bad URL, an unreachable server, a
 *   refused login or schema (the redacted URL and the reason in the message)
 */
export async function openPostgresStores(config: StoreConfig): Promise<Stores> {
  const url = config.storage.url ?? '';
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new StoreError(
      StoreErrorCode.Unavailable,
      `storage.url ${redactUrl(url)}: expected postgres://[user[:password]@]host[:port]/database`,
    );
  }
  const { sealer, warnings } = loadSealer(config.secrets.keyFile);
  const connection = connectionConfig(config);
  const pool = new pg.Pool({ ...connection, max: config.storage.poolSize ?? 10 });
  // An idle connection the server dropped: the pool discards it; the next query reports any real outage.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, { applyMigrations: config.storage.autoMigrate ?? true });
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    const failure = toStoreError(error, `opening the PostgreSQL database ${redactUrl(url)}`);
    const reason = (error as Error).message;
    throw reason && !failure.message.includes(reason)
      ? new StoreError(failure.code, `${failure.message}: ${reason}`, { cause: error })
      : failure;
  }
  /** A connection of its own for a LISTEN (a pooled one would lose it when it goes back), named for pg_stat_activity. */
  const connectAs = (applicationName: string) => async (): Promise<pg.Client> => {
    const client = new pg.Client({ ...connection, application_name: applicationName });
    await client.connect();
    return client;
  };
  const tokens = new PgTokenStore(pool, sealer);
  const limitRecords = new PgPushLimitRecords(pool);
  let closed = false;
  return {
    kind: 'postgres',
    location: redactUrl(url),
    users: new PgUserStore(pool),
    clients: new PgClientStore(pool, sealer),
    tokens,
    applyReplayMarks: (marks) => tokens.applyReplayMarks(marks),
    lockouts: new PgAccountLockoutStore(pool),
    pushDevices: new PgPushDeviceStore(pool, sealer),
    ownWays: new PgOwnWayStore(pool),
    serverSecrets: new PgServerSecretStore(pool, sealer),
    graceLogins: new PgGraceLoginStore(pool),
    signIns: new PgSignInStore(pool),
    apiKeys: new PgApiKeyStore(pool),
    transactions: new PgTransactionStore(pool),
    challenges: (lifetimeMs) => new PgChallengeStore(pool, lifetimeMs),
    decisionNotices: (onError) =>
      new PgDecisionNotices({
        connect: connectAs('assent-push-decisions'),
        retryMs: FEED_RETRY_MS,
        onError,
      }),
    pushLimitRecords: limitRecords,
    pushMutes: limitRecords,
    apiTransactions: (onError) =>
      new PgApiTransactionStore(pool, {
        connect: connectAs('assent-api-transactions'),
        retryMs: FEED_RETRY_MS,
        onError,
      }),
    pushStreaks: new PgPushStreaks(pool),
    portalSessions: new PgPortalSessionStore(pool),
    pendingTotps: new PgPendingTotpStore(pool, sealer),
    enrollmentLinks: new PgEnrollmentLinkStore(pool, sealer),
    warnings,
    sqlite: undefined,
    holderQueries: pgHolderQueries(pool),
    transaction: (fn) => fn(),
    ping: async () => {
      try {
        await pool.query('SELECT 1');
      } catch (error) {
        throw toStoreError(error, 'asking the PostgreSQL database');
      }
    },
    changeFeed: (onError) =>
      new PgChangeFeed({
        connect: connectAs('assent-change-feed'),
        pool,
        pollMs: FEED_POLL_MS,
        retryMs: FEED_RETRY_MS,
        onError,
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
