// Owns the composition root: configuration → stores → first-factor sources → use cases → RADIUS listeners.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { createAuthenticate } from './auth/authenticate.js';
import { ChallengeSessions } from './auth/challenge-sessions.js';
import { createCheckCode } from './auth/check-code.js';
import { createGroupAttributes } from './auth/group-attributes.js';
import { createLocalFirstFactor, LOCAL_SOURCE, type LocalFirstFactor } from './auth/local-first-factor.js';
import { createRealmFirstFactor, type FirstFactorSource } from './auth/realm-first-factor.js';
import { createSecondFactorPolicy } from './auth/second-factor-policy.js';
import type { Config } from './config/config-schema.js';
import { LdapConfigError } from './directory/ldap/ldap-config.js';
import { createLdapSources } from './directory/ldap/ldap-sources.js';
import { createPasswordVerifier } from './directory/password/password-verifier.js';
import type { Client } from './domain/client.js';
import type { FirstFactor } from './domain/first-factor.js';
import { StoreError } from './domain/ports.js';
import { type InternalErrorSink, logFieldsOf } from './domain/request-context.js';
import { ServerSecretName } from './domain/server-secret.js';
import type { ReadinessCheck } from './http/admin-listener.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { startHttpListeners } from './http-wiring.js';
import { createPushWiring, type PushWiring, pushConfigProblems } from './push-wiring.js';
import { standardDictionary } from './radius/dictionary.js';
import { loadDictionaryFile } from './radius/dictionary-file.js';
import { encodeNamedAttributes } from './radius/reply-attributes.js';
import { ClientTable } from './radius-server/client-table.js';
import { RadiusCounters } from './radius-server/counters.js';
import { RequestProcessor } from './radius-server/request-processor.js';
import { type BoundSocket, UdpListener } from './radius-server/udp-listener.js';
import { CachingLockoutStore } from './store/caching-lockout-store.js';
import { CachingTokenStore } from './store/caching-token-store.js';
import { CachingUserStore } from './store/caching-user-store.js';
import { openStores, type Stores } from './store/open-stores.js';
import { ReplayJournal } from './store/replay-journal.js';
import { SealError } from './store/sealer.js';
import { acquireServerLock } from './store/sqlite/server-lock.js';
import { TokenHolders } from './store/sqlite/token-holders.js';

export interface RunningServer {
  readonly sockets: readonly BoundSocket[];
  readonly processor: RequestProcessor;
  /** Bound HTTP ports (the public one is absent when push is off). */
  readonly http: { readonly publicPort: number | undefined; readonly adminPort: number };
  /** Re-reads the client table from the store (SIGHUP, or after `assent client add`). */
  reloadClients(): number;
  /** Stops taking packets, answers those in flight (at most `graceMs`), closes sockets and the database. */
  close(graceMs?: number): Promise<void>;
}

/** Loads extra vendor dictionaries; a bad file stops the start with its name and line. */
function loadDictionary(config: Config) {
  const dictionary = standardDictionary();
  for (const file of config.radius.dictionaries) {
    const loaded = loadDictionaryFile(dictionary, readFileSync(file, 'utf8'));
    if (!loaded.ok) throw new Error(`radius.dictionaries: ${file}: ${loaded.errors.join('; ')}`);
  }
  return dictionary;
}

/**
 * Local users, LDAP directories and realms. Without directories or realm map, names pass through whole, so local
 * users named like `alice@example.com` keep working as before realms existed.
 */
function buildFirstFactor(config: Config, local: LocalFirstFactor, logger: Logger): FirstFactor {
  const realmsUsed = Object.keys(config.directories).length > 0 || Object.keys(config.realms.map).length > 0;
  if (!realmsUsed && config.realms.default.length === 1 && config.realms.default[0] === LOCAL_SOURCE) {
    return {
      resolveName: (typed) => ({ ok: true, name: typed }),
      check: local.check,
      groupsOf: local.groupsOf,
    };
  }
  if (LOCAL_SOURCE in config.directories) {
    throw new Error(
      `directories.${LOCAL_SOURCE}: the name "${LOCAL_SOURCE}" is reserved for the local users`,
    );
  }
  const ldap = createLdapSources(config.directories, logger);
  return createRealmFirstFactor({
    sources: new Map<string, FirstFactorSource>([[LOCAL_SOURCE, local], ...ldap]),
    defaultSources: config.realms.default,
    realmMap: config.realms.map,
    localGroups: local.groupsOf,
  });
}

/**
 * Checks what the schema alone cannot: dictionary files load, reply attributes exist in the dictionary, realms
 * name known sources. `serve` refuses to start on any of these and `assent config check` lists them all.
 */
export function checkWiring(config: Config): string[] {
  const problems: string[] = [];
  let dictionary: ReturnType<typeof standardDictionary> | undefined;
  try {
    dictionary = loadDictionary(config);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (dictionary !== undefined) {
    for (const [group, attributes] of Object.entries(config.replyAttributes)) {
      const encoded = encodeNamedAttributes(dictionary, attributes);
      if (!encoded.ok) problems.push(`replyAttributes.${group}: ${encoded.error}`);
    }
  }
  const known = new Set([LOCAL_SOURCE, ...Object.keys(config.directories)]);
  if (LOCAL_SOURCE in config.directories) {
    problems.push(`directories.${LOCAL_SOURCE}: the name "${LOCAL_SOURCE}" is reserved for the local users`);
  }
  const sourceLists: [string, readonly string[]][] = [
    ['realms.default', config.realms.default],
    ...Object.entries(config.realms.map).map(([realm, list]): [string, readonly string[]] => [
      `realms.map.${realm}`,
      list,
    ]),
  ];
  for (const [key, list] of sourceLists) {
    for (const source of list) {
      if (!known.has(source)) {
        problems.push(`${key}: unknown source "${source}"; expected one of: ${[...known].join(', ')}`);
      }
    }
  }
  // Issue 12: what `serve` would fail to bind is caught by `config check` too.
  for (const [key, address] of [
    ...config.radius.bind.map((a, i): [string, string] => [`radius.bind[${i}]`, a]),
    ['http.public.bind', config.http.public.bind] as [string, string],
    ['http.admin.bind', config.http.admin.bind] as [string, string],
  ]) {
    if (isIP(address) === 0) problems.push(`${key}: expected an IPv4 or IPv6 address, got "${address}"`);
  }
  problems.push(...pushConfigProblems(config));
  for (const name of Object.keys(config.secondFactor.clients)) {
    if (config.secondFactor.clients[name]?.mode === 'otp-only' && config.secondFactor.clients[name]?.exempt) {
      problems.push(
        `secondFactor.clients.${name}: otp-only and exempt together would let anyone in with no factor`,
      );
    }
  }
  return problems;
}

/**
 * Issue 12: `secondFactor.clients.<name>` naming no RADIUS client is probably a typo, but clients may be added
 * later, so it is a warning (here, at SIGHUP and in `config check`), not an error.
 */
export function unknownPolicyClients(config: Config, clients: readonly Client[]): string[] {
  const names = new Set(clients.map((c) => c.name));
  return Object.keys(config.secondFactor.clients)
    .filter((name) => !names.has(name))
    .map(
      (name) =>
        `secondFactor.clients.${name}: no RADIUS client is named "${name}" (yet); its settings apply to none`,
    );
}

function warnAboutPolicyClients(config: Config, clients: readonly Client[], logger: Logger): void {
  for (const warning of unknownPolicyClients(config, clients)) {
    logger.warn({ event: 'config.unknown_client' }, warning);
  }
}

/** SECURITY A2.4, A5.1, A5.3: say at start which clients run with weakened protection. */
function warnAboutClients(clients: readonly Client[], logger: Logger): void {
  for (const client of clients) {
    if (!client.requireMessageAuthenticator && !client.limitProxyState) {
      logger.warn(
        { event: 'config.unsafe', client: client.name },
        'client has requireMessageAuthenticator and limitProxyState off: open to BlastRADIUS (CVE-2024-3596) forgery',
      );
    }
    if (client.secret.length <= 12) {
      logger.warn(
        { event: 'config.unsafe', client: client.name },
        'client shared secret is 12 octets or shorter',
      );
    }
  }
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
  // Issue 12: one server per database; the lock is taken before anything is opened or migrated.
  const lock = acquireServerLock(config.storage.sqlitePath);
  let stores: Stores;
  try {
    stores = openStores(config);
  } catch (error) {
    lock.release();
    throw error;
  }
  const passwords = createPasswordVerifier({ argon2: config.passwords.argon2 });
  const cleanups: (() => void)[] = [];
  try {
    for (const warning of stores.warnings) logger.warn({ event: 'config.unsafe' }, warning);
    const problems = checkWiring(config);
    if (problems.length > 0) throw new WiringError(problems.join('; '));
    warnAboutPolicyClients(config, stores.clients.list(), logger);
    const dictionary = loadDictionary(config);
    const users = new CachingUserStore(stores.users);
    const tokenHolders = new TokenHolders(stores.db);
    const journal = openReplayJournal(config, stores, logger);
    cleanups.push(() => journal.close());
    const tokens = new CachingTokenStore(stores.tokens, (fn) => stores.db.transaction(fn)(), journal);
    const lockouts = new CachingLockoutStore(stores.lockouts);
    const watcher = watchForeignWrites(stores.db, logger, () => {
      users.invalidateAll();
      tokens.invalidateAll();
      lockouts.invalidateAll();
      tokenHolders.refresh();
    });
    cleanups.push(() => clearInterval(watcher));
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
    const sessions = new ChallengeSessions(config.secondFactor.challengeSeconds * 1000);
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
    const push = createPushWiring({
      config,
      checkCode,
      devices: stores.pushDevices,
      secrets: stores.serverSecrets,
      logger,
      holders: tokenHolders,
      attributesFor,
      count: { delivery: (r) => metrics?.delivery(r), answer: (r) => metrics?.answer(r) },
    });
    cleanups.push(() => push.close());
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
      ...(push.hooks === undefined ? {} : { push: push.hooks }),
    });
    const clients = stores.clients.list();
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
    });
    cleanups.push(() => processor.close());
    // PROTOCOL P3: a device's answer, a typed code or the deadline releases the held requests of its login.
    push.waits.onDecision((txn, decision) => {
      push.noteDecision(decision);
      processor.resume(txn, decision);
    });
    metrics = createMetrics({
      radius: counters,
      pendingPushes: () => push.waits.size,
      heldRequests: () => processor.heldCount,
    });
    const http = await startHttpListeners({
      config,
      logger,
      metrics,
      checks: readinessChecks(stores, push),
      routes: push.hooks === undefined ? undefined : push.routes,
      publicUrl: push.publicUrl,
      publicUrlNow: () => push.publicUrl,
      publicPortBound: (port) => push.publicPortBound(port),
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
      reloadClients() {
        const fresh = stores.clients.list();
        warnAboutClients(fresh, logger);
        warnAboutPolicyClients(config, fresh, logger);
        processor.setClients(new ClientTable(fresh));
        logger.info({ event: 'radius.clients_reloaded', clients: fresh.length });
        return fresh.length;
      },
      async close(graceMs = 5000) {
        if (closed) return;
        closed = true;
        processor.stopAccepting();
        await processor.drain(graceMs);
        await listener.close();
        await http.close();
        tokens.flush();
        try {
          foldReplayJournal(journal, stores, logger);
        } catch (error) {
          // The journal stays on disk and is folded at the next start; nothing accepted is forgotten.
          logger.error(
            { event: 'store.replay_journal_fold_failed', err: error },
            'replay journal kept for next start',
          );
        }
        for (const cleanup of cleanups) cleanup();
        await passwords.close();
        stores.close();
        lock.release();
        logger.info({ event: 'server.stopped', counters: processor.counters.snapshot() }, 'Assent stopped');
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) cleanup();
    await passwords.close();
    stores.close();
    lock.release();
    throw error;
  }
}

/**
 * The replay-guard journal beside the database. What a previous run (or crash) left in it is folded into the
 * token table before any code is checked, then the journal starts empty.
 */
function openReplayJournal(config: Config, stores: Stores, logger: Logger): ReplayJournal {
  const journal = ReplayJournal.open(`${config.storage.sqlitePath}.replay`, config.storage.replaySyncMs);
  foldReplayJournal(journal, stores, logger);
  return journal;
}

function foldReplayJournal(journal: ReplayJournal, stores: Stores, logger: Logger): void {
  // Appends still waiting for their sync interval must be in `all` before it is folded and the file emptied.
  journal.settleNow();
  if (journal.all.size === 0) return;
  const raised = stores.applyReplayMarks(journal.all);
  journal.rewrite(new Map());
  logger.info(
    { event: 'store.replay_journal_folded', tokens: raised },
    'replay guard journal folded into the database',
  );
}

/**
 * `/readyz` (issue 13): red while the database cannot answer, the key file no longer opens what it sealed, or push
 * delivery was refused by a push service (our VAPID identity or request is wrong: fix the configuration).
 */
function readinessChecks(stores: Stores, push: PushWiring): ReadinessCheck[] {
  return [
    {
      name: 'database',
      check: () => (stores.db.open && stores.db.prepare('SELECT 1 AS ok').get() ? undefined : 'closed'),
    },
    {
      name: 'key',
      check: () => {
        stores.serverSecrets.getOrCreate(ServerSecretName.VapidKeys, () => {
          throw new Error('push keys are missing');
        });
        return undefined;
      },
    },
    { name: 'push_delivery', check: () => push.deliveryFault() },
  ];
}

/** How often the user cache checks for writes by other processes (`assent user disable` takes effect after it). */
export const FOREIGN_WRITE_CHECK_MS = 500;

/**
 * SQLite's `data_version` changes when another connection commits (the CLI), never for our own writes, which
 * the caching store sees directly. Polling it costs one pragma per interval, not one query per login.
 */
function watchForeignWrites(db: Database.Database, logger: Logger, onChange: () => void): NodeJS.Timeout {
  let version = db.pragma('data_version', { simple: true });
  const timer = setInterval(() => {
    if (!db.open) return;
    try {
      const now = db.pragma('data_version', { simple: true });
      if (now !== version) {
        version = now;
        onChange();
      }
    } catch (error) {
      // A busy or broken database must not crash the server from a timer; the next tick tries again.
      logger.error({ event: 'store.watch_failed', err: error }, 'cannot check the database for changes');
    }
  }, FOREIGN_WRITE_CHECK_MS);
  timer.unref();
  return timer;
}
