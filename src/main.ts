// Owns the composition root: configuration → stores → first-factor sources → use cases → RADIUS listeners.

import type { Logger } from 'pino';
import { createAuthenticate } from './auth/authenticate.js';
import { createCheckCode } from './auth/check-code.js';
import { createGroupAttributes } from './auth/group-attributes.js';
import { createLocalFirstFactor } from './auth/local-first-factor.js';
import { createSecondFactorPolicy } from './auth/second-factor-policy.js';
import { createSignInHistory } from './auth/sign-in-history.js';
import { SignInLog } from './auth/sign-in-log.js';
import type { Config } from './config/config-schema.js';
import { LdapConfigError } from './directory/ldap/ldap-config.js';
import { hashArgon2id } from './directory/password/argon2id.js';
import { createPasswordVerifier } from './directory/password/password-verifier.js';
import type { Decision } from './domain/decision.js';
import { StoreError } from './domain/ports.js';
import { type InternalErrorSink, logFieldsOf } from './domain/request-context.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { readinessChecks, startHttpListeners } from './http-wiring.js';
import {
  buildFirstFactor,
  checkWiring,
  loadDictionary,
  PACKAGE_VERSION,
  warnAboutClients,
  warnAboutPolicyClients,
} from './server-wiring.js';
import { foldReplayJournal, openChangeFeed, openReplayJournal } from './store-wiring.js';

export { checkWiring, unknownPolicyClients } from './server-wiring.js';

import { countWithoutSecondFactor } from './admin/user-admin.js';
import { createApiWiring } from './api-wiring.js';
import { createPortalWiring } from './portal-wiring.js';
import { createPushWiring } from './push-wiring.js';
import { ClientTable } from './radius-server/client-table.js';
import { RadiusCounters } from './radius-server/counters.js';
import { RequestProcessor } from './radius-server/request-processor.js';
import { type BoundSocket, UdpListener } from './radius-server/udp-listener.js';
import { CachingLockoutStore } from './store/caching-lockout-store.js';
import { CachingTokenStore } from './store/caching-token-store.js';
import { CachingUserStore } from './store/caching-user-store.js';
import { LoginIndex } from './store/login-index.js';
import { openConfiguredStores, type Stores } from './store/open-stores.js';
import { SealError } from './store/sealer.js';
import { acquireServerLock } from './store/sqlite/server-lock.js';
import { TokenHolders } from './store/token-holders.js';

export interface RunningServer {
  readonly sockets: readonly BoundSocket[];
  readonly processor: RequestProcessor;
  /** Bound HTTP ports (the public one is absent when push and the portal are off). */
  readonly http: { readonly publicPort: number | undefined; readonly adminPort: number };
  /** Re-reads the client table from the store (SIGHUP, or after `assent client add`); how many clients it holds. */
  reloadClients(): Promise<number>;
  /** Reads the change log now rather than at the next poll (after another process wrote; SIGHUP; tests). */
  syncChanges(): void;
  /** Stops taking packets, answers those in flight (at most `graceMs`), closes sockets and the database. */
  close(graceMs?: number): Promise<void>;
}

/** Starts Assent with `config`. Throws with a clear message when the key, database or a port is unusable. */
/**
 * Why the server did not start, as the exit codes tell it (README): `config` 2, `not-ready` 3 (key file or
 * database unusable), `failed` 1 (a port could not be bound, anything else).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    readonly kind: 'config' | 'not-ready' | 'failed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A problem with the configuration that only shows when wiring it (dictionaries, realms, binds). */
class WiringError extends Error {}

function startupKind(error: unknown): StartupError['kind'] {
  if (error instanceof StartupError) return error.kind;
  if (error instanceof SealError || error instanceof StoreError) return 'not-ready';
  if (error instanceof WiringError || error instanceof LdapConfigError) return 'config';
  return 'failed';
}

/**
 * Starts Assent with `config`.
 * @throws StartupError whose `kind` says which exit code applies
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  try {
    return await start(config, logger);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(startupKind(error), (error as Error).message, { cause: error });
  }
}

async function start(config: Config, logger: Logger): Promise<RunningServer> {
  // Issue 12: one server per SQLite file; the lock is taken before anything is opened or migrated. PostgreSQL is
  // shared by design: its nodes take turns where they must (migrations, the change log) in the database itself.
  const lock = config.storage.url === '' ? acquireServerLock(config.storage.sqlitePath) : undefined;
  let stores: Stores;
  try {
    stores = await openConfiguredStores(config);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const passwords = createPasswordVerifier({ argon2: config.passwords.argon2 });
  // Run in order at close; one that answers with a promise (a last sign-in batch to PostgreSQL) is waited for
  // before the next, and all before the store closes.
  const cleanups: (() => unknown)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (error) {
        logger.warn({ event: 'server.cleanup_failed', err: error }, 'a part did not stop cleanly');
      }
    }
  };
  try {
    for (const warning of stores.warnings) logger.warn({ event: 'config.unsafe' }, warning);
    const problems = checkWiring(config);
    if (problems.length > 0) throw new WiringError(problems.join('; '));
    warnAboutPolicyClients(config, await stores.clients.list(), logger);
    const dictionary = loadDictionary(config);
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
    // The client table is read again when the feed says a client changed; the processor holding it comes later.
    let reloadClients = () => {};
    const index = new LoginIndex(
      { users, tokens, lockouts, holders: tokenHolders, reloadClients: () => reloadClients() },
      stores,
      (error) =>
        logger.error(
          { event: 'store.reread_failed', err: error },
          'a row another writer changed could not be read again',
        ),
    );
    const feed = await openChangeFeed(stores, logger, index);
    cleanups.push(() => feed.close());
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
    /** This process wrote to the store outside the caches (REST API, portal): apply its change rows now. */
    const storesChanged = () => feed.drain();
    // Issue 12 item 11: the line names the login (txn, client, user) so it reads with the rest of it.
    const onInternalError: InternalErrorSink = (err, context, subject) =>
      logger.error({ event: 'auth.error', ...subject, context, err }, 'internal error');
    const local = createLocalFirstFactor({
      users,
      passwords,
      upgradeLegacyHashes: config.passwords.upgradeLegacyHashes,
      onInternalError,
    });
    const firstFactor = buildFirstFactor(config, local, logger);
    cleanups.push(() => void firstFactor.close?.());
    const sessions = stores.challenges(config.secondFactor.challengeSeconds * 1000);
    // Issue 18: every final login outcome of an existing user, written in batches off the login path.
    const signIns = new SignInLog({
      store: stores.signIns,
      retentionDays: config.portal.signInHistoryDays,
      events: {
        flushFailed: (err, counts) =>
          logger.error(
            { event: 'sign_ins.write_failed', err, ...counts },
            'sign-in history could not be written; kept in memory and tried again',
          ),
        pruned: (count, before) => {
          if (count > 0) logger.info({ event: 'sign_ins.pruned', count, before }, 'old sign-ins deleted');
        },
        pruneFailed: (err) =>
          logger.warn({ event: 'sign_ins.prune_failed', err }, 'old sign-ins not deleted'),
      },
    });
    cleanups.push(() => signIns.close());
    const attributesFor = createGroupAttributes(config.replyAttributes);
    const counters = new RadiusCounters();
    // Built once the processor exists; the push events that feed it can only fire after that.
    let metrics: Metrics | undefined;
    const checkCode = createCheckCode({
      tokens,
      recordSuccess: (serial, success) => tokens.recordSuccessBatched(serial, success),
      lockouts,
      policy: config.secondFactor,
      onLockout: (event, request) =>
        logger.warn(
          { event: 'audit.lockout', ...logFieldsOf(request), ...event },
          'locked after repeated failures',
        ),
    });
    const push = await createPushWiring({
      config,
      checkCode,
      devices: stores.pushDevices,
      tokens,
      secrets: stores.serverSecrets,
      transactions: stores.transactions,
      limitRecords: stores.pushLimitRecords,
      notices: stores.decisionNotices((err) =>
        logger.warn(
          { event: 'store.notices_lost', err },
          'lost the connection that hears push decisions of other nodes; reconnecting',
        ),
      ),
      logger,
      holders: tokenHolders,
      attributesFor,
      count: { delivery: (r) => metrics?.delivery(r), answer: (r) => metrics?.answer(r) },
    });
    cleanups.push(() => push.close());
    // Before serving: a decision another node commits from now on reaches the requests this node holds.
    await push.listen();
    const authenticate = createAuthenticate({
      firstFactor,
      policy: createSecondFactorPolicy(config.secondFactor),
      tokenHolders,
      // The token cache answers for users it holds, and remembers the user for the code check that follows.
      codeLengthsOf: (name) => tokens.cachedCodeLengths(name) ?? tokenHolders.codeLengthsOf(name),
      checkCode,
      sessions,
      attributesFor,
      onInternalError,
      graceLogins: stores.graceLogins,
      ...(push.enrollment === undefined ? {} : { enrollment: push.enrollment }),
      ...(push.hooks === undefined ? {} : { push: push.hooks }),
    });
    const clients = await stores.clients.list();
    if (clients.length === 0) {
      logger.warn(
        { event: 'config.no_clients' },
        'no RADIUS clients configured: every request will be dropped',
      );
    }
    warnAboutClients(clients, logger);
    const processor = new RequestProcessor({
      clients: new ClientTable(clients),
      authenticate,
      dictionary,
      logger,
      options: config.radius,
      counters,
      // docs/push.md §7: a hold never outlives its push window (the NAS margin is inside that window).
      holds: { max: config.push.maxPending, maxHoldMs: config.push.timeoutSeconds * 1000 + 5_000 },
      onDecided: (ms) => metrics?.decisionSeconds(ms / 1000),
      // `portal.signInHistoryDays: 0`: no history, and the hot path pays not even the call.
      ...(config.portal.signInHistoryDays === 0
        ? {}
        : {
            onFinalDecision: (
              decision: Decision,
              client: string,
              station: Uint8Array | undefined,
              txn: string,
            ) => signIns.recordDecision(decision, client, station, txn),
          }),
    });
    cleanups.push(() => processor.close());
    /** SIGHUP, the change log (`assent client add`) or the REST API: the client table is read again and swapped in whole. */
    const readClients = async (): Promise<number> => {
      const fresh = await stores.clients.list();
      warnAboutClients(fresh, logger);
      warnAboutPolicyClients(config, fresh, logger);
      processor.setClients(new ClientTable(fresh));
      logger.info({ event: 'radius.clients_reloaded', clients: fresh.length });
      return fresh.length;
    };
    // One read at a time: reads that overlapped could settle out of order (a store over the network) and swap an
    // older table in over a newer one.
    let reloading: Promise<unknown> = Promise.resolve();
    const reload = (): Promise<number> => {
      const next = reloading.then(readClients);
      reloading = next.catch(() => undefined);
      return next;
    };
    reloadClients = () => {
      reload().catch((error: unknown) => logger.error({ event: 'radius.clients_reload_failed', err: error }));
    };
    const login = {
      tokenHolders,
      codeLengthsOf: (name: string) => tokens.cachedCodeLengths(name) ?? tokenHolders.codeLengthsOf(name),
      checkCode,
      attributesFor,
      onInternalError,
      graceLogins: stores.graceLogins,
    };
    const api = createApiWiring({
      config,
      logger,
      stores,
      local,
      firstFactor,
      login,
      push,
      lockouts,
      reloadClients: () => reload(),
      version: PACKAGE_VERSION,
      hashPassword: (password) => hashArgon2id(password, config.passwords.argon2),
      storesChanged,
      signIns,
    });
    cleanups.push(() => api.close());
    // Issue 18: the user portal at /my/ (docs/self-service.md), reading and adding to the same sign-in history.
    const portal = createPortalWiring({
      config,
      logger,
      stores: { tokens, pushDevices: stores.pushDevices },
      firstFactor,
      login,
      lockouts,
      push,
      pushes: api.pushes,
      storesChanged,
      signIns: {
        history: createSignInHistory({
          store: stores.signIns,
          flush: () => signIns.flush(),
          mute: (user, now) => push.mute(user, now),
        }),
        record: (entry) => signIns.record(entry),
      },
    });
    if (portal !== undefined) cleanups.push(() => portal.close());
    if (api.pushes !== undefined) {
      const pushes = api.pushes;
      push.onDelivered((transaction, result) => pushes.delivered(transaction, result));
    }
    // PROTOCOL P3: a device's answer, a typed code or the deadline releases the held requests of its login, or
    // answers the application that asked for it over the REST API.
    push.waits.onDecision((txn, decision, wait) => {
      processor.resume(txn, decision);
      api.pushes?.settled(txn, decision);
      // A relay: the node that started the push records the login (docs/storage.md "Logins across nodes").
      if (wait.relay === true) return;
      push.noteDecision(decision);
      // Once per login, however many RADIUS requests waited for it (those are not recorded by the processor).
      signIns.recordDecision(decision, wait.clientName, wait.userIp, txn);
    });
    // Issue 18: who still has to enrol, by group; counted at most once a minute (it reads every local user).
    let withoutCache: { at: number; counts: ReadonlyMap<string, number> } | undefined;
    const withoutSecondFactor = async () => {
      if (withoutCache === undefined || Date.now() - withoutCache.at > 60_000) {
        const holds = (name: string) => tokenHolders.holderOf(name) !== undefined;
        withoutCache = { at: Date.now(), counts: await countWithoutSecondFactor(stores.users, holds) };
      }
      return withoutCache.counts;
    };
    metrics = createMetrics({
      withoutSecondFactor,
      radius: counters,
      pendingPushes: () => push.waits.size,
      heldRequests: () => processor.heldCount,
      signIns: () => signIns.counts,
    });
    const http = await startHttpListeners({
      config,
      logger,
      metrics,
      checks: readinessChecks(stores, push),
      routes: push.hooks === undefined ? undefined : push.routes,
      portal: portal?.routes,
      publicUrlNow: () => push.publicUrl,
      publicPortBound: (port) => push.publicPortBound(port),
      api: api.options,
    });
    const listener = new UdpListener(processor, logger);
    let sockets: BoundSocket[];
    try {
      sockets = await listener.listen(config.radius);
    } catch (error) {
      await http.close();
      throw error;
    }
    if (sockets.length === 0) {
      await listener.close();
      await http.close();
      throw new StartupError(
        'config',
        'no RADIUS listener: radius.bind lists no address that could be bound',
      );
    }
    logger.info(
      { event: 'radius.listening', sockets, clients: clients.length },
      'Assent RADIUS server ready',
    );

    let closed = false;
    return {
      sockets,
      processor,
      http: { publicPort: http.publicPort, adminPort: http.adminPort },
      reloadClients: reload,
      syncChanges: storesChanged,
      async close(graceMs = 5000) {
        if (closed) return;
        closed = true;
        processor.stopAccepting();
        await processor.drain(graceMs);
        await listener.close();
        await http.close();
        await tokens.flush();
        try {
          if (journal !== undefined) await foldReplayJournal(journal, stores, logger);
        } catch (error) {
          // The journal stays on disk and is folded at the next start; nothing accepted is forgotten.
          logger.error(
            { event: 'store.replay_journal_fold_failed', err: error },
            'replay journal kept for next start',
          );
        }
        await cleanUp();
        await passwords.close();
        await stores.close();
        lock?.release();
        logger.info({ event: 'server.stopped', counters: processor.counters.snapshot() }, 'Assent stopped');
      },
    };
  } catch (error) {
    await cleanUp();
    await passwords.close();
    await stores.close();
    lock?.release();
    throw error;
  }
}
