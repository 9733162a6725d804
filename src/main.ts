// Owns the composition root: configuration → stores → first-factor sources → use cases → RADIUS listeners.

import type { Logger } from 'pino';
import { countWithoutSecondFactor } from './admin/user-admin.js';
import { openCaches } from './cache-wiring.js';
import type { Config } from './config/config-schema.js';
import { LdapConfigError } from './directory/ldap/ldap-config.js';
import { createPasswordVerifier } from './directory/password/password-verifier.js';
import { StoreError } from './domain/ports.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createHttpApps } from './http-apps-wiring.js';
import { readinessChecks, startHttpListeners } from './http-wiring.js';
import { createLoginWiring } from './login-wiring.js';
import { PACKAGE_VERSION } from './package-version.js';
import type { RequestProcessor } from './radius-server/request-processor.js';
import { type BoundSocket, type UdpEngine, UdpListener } from './radius-server/udp-listener.js';
import { createRadiusWiring } from './radius-wiring.js';
import { checkWiring, loadDictionary, warnAboutPolicyClients } from './server-wiring.js';
import { openConfiguredStores, type Stores } from './store/open-stores.js';
import { SealError } from './store/sealer.js';
import { acquireServerLock } from './store/sqlite/server-lock.js';
import { foldReplayJournal } from './store-wiring.js';

export { checkWiring, unknownPolicyClients } from './server-wiring.js';

export interface RunningServer {
  readonly sockets: readonly BoundSocket[];
  readonly processor: RequestProcessor;
  /** How the RADIUS sockets read and answer (`radius.udpBatching`), and the batches they took (batched only). */
  readonly udp: { readonly engine: UdpEngine; batches(): [number, number] };
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
    // The client table is read again when the feed says a client changed; the processor holding it comes later.
    let reloadClients = () => {};
    const caches = await openCaches({
      config,
      stores,
      passwords,
      logger,
      cleanups,
      reloadClients: () => reloadClients(),
    });
    const { tokens, tokenHolders, journal, storesChanged } = caches;
    // Built once the processor exists; the push events that feed it can only fire after that.
    let metrics: Metrics | undefined;
    const auth = await createLoginWiring({
      config,
      stores,
      caches,
      passwords,
      logger,
      cleanups,
      metrics: () => metrics,
    });
    const { signIns, push } = auth;
    const radius = await createRadiusWiring({
      config,
      stores,
      logger,
      dictionary,
      authenticate: auth.authenticate,
      signIns,
      cleanups,
      metrics: () => metrics,
    });
    const { processor, reload } = radius;
    reloadClients = radius.reloadClients;
    const { api, portal } = createHttpApps({
      config,
      logger,
      stores,
      caches,
      auth,
      reloadClients: () => reload(),
      cleanups,
    });
    // PROTOCOL P3: a device's answer, a typed code or the deadline releases the held requests of its login, or
    // answers the application that asked for it over the REST API.
    push.waits.onDecision((txn, decision, wait) => {
      processor.resume(txn, decision);
      api.pushes?.settled(txn, decision);
      // A relay: the node that started the push records the login (docs/storage.md "Logins across nodes").
      if (wait.relay === true) return;
      // The number-matching streak (A7.7); its write never rejects (a failure is logged).
      void push.noteDecision(decision);
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
      radius: radius.counters,
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
    if (listener.engineFallback !== undefined) {
      logger.warn(
        { event: 'radius.udp_batching_unavailable', reason: listener.engineFallback },
        "RADIUS answers through Node's dgram: correct, but more CPU per request",
      );
    }
    logger.info(
      {
        event: 'radius.listening',
        sockets,
        udp: listener.engine,
        clients: radius.clientCount,
        version: PACKAGE_VERSION,
      },
      'Assent RADIUS server ready',
    );

    let closed = false;
    return {
      sockets,
      processor,
      udp: { engine: listener.engine, batches: () => listener.batches },
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
