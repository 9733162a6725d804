// Owns building the REST API from the configuration: keys, the API's own login use case, pushes, clients.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { addClient, rotateClientSecret, viewOf } from './admin/client-admin.js';
import { ownGraceOf } from './admin/grace-admin.js';
import {
  addOtpToken,
  addPushActivation,
  removeToken,
  renameToken,
  TokenInputError,
  tokenRow,
  tokenRows,
} from './admin/token-admin.js';
import {
  addUser,
  checkGroups,
  groupRows,
  type HashPassword,
  lockoutRows,
  setPassword,
  unlockAccount,
  unlockFoundNothing,
  viewOfUser,
} from './admin/user-admin.js';
import { checkApiKey } from './auth/api-keys.js';
import { ApplicationPushes } from './auth/application-pushes.js';
import { type AuthenticateDeps, createAuthenticate } from './auth/authenticate.js';
import { API_CODE_CLIENT, API_CONCAT_CLIENT, createCheckCredentials } from './auth/check-credentials.js';
import type { LocalFirstFactor } from './auth/local-first-factor.js';
import { createSecondFactorPolicy } from './auth/second-factor-policy.js';
import { createSignInHistory } from './auth/sign-in-history.js';
import type { SignInLog } from './auth/sign-in-log.js';
import type { Config } from './config/config-schema.js';
import type { AccountLockoutStore } from './domain/account-lockout.js';
import { type Awaitable, whenReady } from './domain/awaitable.js';
import type { Decision } from './domain/decision.js';
import type { FirstFactor } from './domain/first-factor.js';
import { AMBIGUOUS_NAME } from './domain/name-key.js';
import { newTransactionId } from './domain/transaction-id.js';
import { requireScope } from './http/api/api-auth.js';
import type { ApiDeps } from './http/api/api-deps.js';
import type { ApiOptions } from './http/api/api-routes.js';
import type { ClientAdmin } from './http/api/v2-clients.js';
import type { GraceAdmin } from './http/api/v2-grace.js';
import type { PolicyView } from './http/api/v2-policy.js';
import type { TokenAdmin } from './http/api/v2-tokens.js';
import type { UserAdmin } from './http/api/v2-users.js';
import type { PushWiring } from './push-wiring.js';
import { localOnlyFirstFactor } from './server-wiring.js';
import { MemoryChallengeStore } from './store/memory/memory-challenge-store.js';
import type { Stores } from './store/open-stores.js';

export interface ApiWiringDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly stores: Stores;
  readonly local: LocalFirstFactor;
  /** Every first-factor source (local and directories), for `api.directoryPasswords` and realm names. */
  readonly firstFactor: FirstFactor;
  /** The RADIUS login's dependencies; the API's login shares them all but its policy and first factor. */
  readonly login: Omit<AuthenticateDeps, 'firstFactor' | 'policy' | 'sessions' | 'push'>;
  readonly push: PushWiring;
  /** The server's lockout store (its cache): the API's password-only check honours locks too. */
  readonly lockouts: Pick<AccountLockoutStore, 'get'>;
  /** Re-reads the RADIUS client table into the running server (what SIGHUP does). */
  readonly reloadClients: () => Promise<unknown>;
  readonly version: string;
  /**
   * Tells the server's caches (users, tokens, lockouts, token holders) that the API wrote to the stores; writes
   * on the server's own connection are not seen by the watch for other processes' writes.
   */
  readonly storesChanged: () => void;
  /** argon2id with the configured cost, off the event loop (user add and password changes). */
  readonly hashPassword: HashPassword;
  /** The sign-in history's writer (issue 18): every API login outcome is recorded under the key's name. */
  readonly signIns: SignInLog;
}

export interface ApiWiring {
  readonly options: ApiOptions;
  /** Undefined when push is off. Fed every push decision and delivery by the composition root. */
  readonly pushes: ApplicationPushes | undefined;
  close(): void;
}

export function createApiWiring(deps: ApiWiringDeps): ApiWiring {
  const { config, logger, stores } = deps;
  // PROTOCOL §4.3: FortiAuthenticator checks local passwords only; directories are an opt-in.
  const passwords = config.api.directoryPasswords ? deps.firstFactor : localOnlyFirstFactor(deps.local);
  const authenticate = createAuthenticate({
    ...deps.login,
    firstFactor: passwords,
    policy: createSecondFactorPolicy({
      ...config.secondFactor,
      clients: { [API_CONCAT_CLIENT]: { mode: 'concat' }, [API_CODE_CLIENT]: { mode: 'otp-only' } },
      groups: {},
    }),
    // concat and otp-only never open a challenge; the table exists because the use case is built with one.
    sessions: new MemoryChallengeStore(config.secondFactor.challengeSeconds * 1000),
  });
  const checkCredentials = createCheckCredentials({
    firstFactor: passwords,
    authenticate,
    lockouts: deps.lockouts,
  });

  const hooks = deps.push.hooks;
  const pushes =
    hooks === undefined
      ? undefined
      : new ApplicationPushes({
          holderOf: (typed) => {
            const resolved = deps.firstFactor.resolveName(typed);
            if (!resolved.ok) return undefined;
            const holder = deps.login.tokenHolders.holderOf(resolved.name);
            if (holder === undefined || holder === AMBIGUOUS_NAME) return undefined;
            return whenReady(deps.firstFactor.groupsOf(holder), (groups) => ({ name: holder, groups }));
          },
          push: hooks,
          devices: stores.pushDevices,
          number: () => String(randomInt(10, 100)),
        });

  const clients: ClientAdmin = {
    list: async () => (await stores.clients.list()).map(viewOf),
    get: async (name) => {
      const found = await stores.clients.getByName(name);
      return found === undefined ? undefined : viewOf(found);
    },
    add: async (input) => {
      const added = await addClient(stores.clients, input);
      await deps.reloadClients();
      return added;
    },
    remove: async (name) => {
      const removed =
        (await stores.clients.getByName(name)) !== undefined && (await stores.clients.remove(name));
      if (removed) await deps.reloadClients();
      return removed;
    },
    rotateSecret: async (name) => {
      const secret = await rotateClientSecret(stores.clients, name);
      if (secret !== undefined) await deps.reloadClients();
      return secret;
    },
  };

  /** Runs a write, then refreshes the caches, also when the write failed after changing something. */
  const changing = async <T>(write: () => Awaitable<T>): Promise<T> => {
    try {
      return await write();
    } finally {
      deps.storesChanged();
    }
  };

  const users: UserAdmin = {
    list: async () => (await stores.users.list()).map(viewOfUser),
    get: async (name) => {
      const found = await stores.users.getByName(name);
      return found === undefined ? undefined : viewOfUser(found);
    },
    add: (input) => changing(() => addUser(stores.users, deps.hashPassword, input)),
    update: async (name, change) => {
      const groups = change.groups === undefined ? undefined : checkGroups(change.groups);
      if ((await stores.users.getByName(name)) === undefined) return undefined;
      await changing(() =>
        stores.transaction(() =>
          whenReady(change.status === undefined ? false : stores.users.setStatus(name, change.status), () =>
            groups === undefined ? false : stores.users.setGroups(name, groups),
          ),
        ),
      );
      const after = await stores.users.getByName(name);
      return after === undefined ? undefined : viewOfUser(after);
    },
    remove: (name) => changing(() => stores.users.remove(name)),
    setPassword: (name, password) =>
      changing(() => setPassword(stores.users, deps.hashPassword, name, password)),
    unlock: async (name) => {
      const result = await changing(() => unlockAccount(stores, name));
      return !unlockFoundNothing(result);
    },
    lockouts: () => lockoutRows(stores.lockouts, new Date()),
    groups: () => groupRows(stores.users),
  };

  const grace: GraceAdmin = {
    get: async (name) => stores.graceLogins.ownGrace(name),
    set: async (name, input) => {
      const own = ownGraceOf(input);
      await stores.graceLogins.setOwnGrace(name, own, new Date());
      return own;
    },
    clear: async (name) => stores.graceLogins.setOwnGrace(name, undefined, new Date()),
  };

  const tokens: TokenAdmin = {
    list: (user) => tokenRows(stores, user),
    addOtp: async (input) => {
      const added = await changing(() => addOtpToken(stores, input));
      const row = (await tokenRows(stores, input.user)).find((r) => r.serial === added.token.serial)!;
      return { row, uri: added.uri, backupCodes: added.backupCodes };
    },
    addPush: async (user, label) => {
      if (!config.push.enabled) throw new TokenInputError('type', 'push is off (push.enabled)');
      return addPushActivation(stores, deps.push.publicUrl, user, label, new Date());
    },
    remove: (serial) => changing(() => removeToken(stores, serial)),
    rename: async (serial, label) =>
      (await changing(() => renameToken(stores, serial, label))) ? tokenRow(stores, serial) : undefined,
  };

  const sf = config.secondFactor;
  const policy = (): PolicyView => ({
    mode: sf.mode,
    require_for_all: sf.requireForAll,
    exempt_users: [...sf.exemptUsers],
    exempt_groups: [...sf.exemptGroups],
    clients: JSON.parse(JSON.stringify(sf.clients)) as PolicyView['clients'],
    groups: JSON.parse(JSON.stringify(sf.groups)) as PolicyView['groups'],
    lockout_failures: sf.lockoutFailures,
    lockout_seconds: sf.lockoutSeconds,
    push: {
      enabled: config.push.enabled,
      timeout_seconds: config.push.timeoutSeconds,
      number_matching: config.push.numberMatching,
      max_per_user: config.push.maxPerUser,
      mute_minutes: config.push.muteMinutes,
    },
  });

  const transactions = stores.apiTransactions((error) =>
    logger.warn({ event: 'api.transaction_notices_lost', err: (error as Error).message }),
  );
  // Bounds the tables (docs/storage.md): on PostgreSQL every node sweeps; deleting what another deleted is a no-op.
  const sweep = setInterval(() => {
    Promise.resolve()
      .then(() => transactions.sweep(Date.now()))
      .catch((error: unknown) =>
        logger.warn({ event: 'api.transaction_sweep_failed', err: (error as Error).message }),
      );
  }, 60_000);
  sweep.unref();
  const apiDeps: ApiDeps = {
    requireScope: (need) =>
      requireScope(
        (authorization, scope) => checkApiKey(stores.apiKeys, authorization, scope, new Date()),
        need,
        (why, request) =>
          logger.warn({ event: 'api.key_refused', why, src: request.ip, route: request.routeOptions.url }),
      ),
    checkCredentials,
    pushes,
    transactions,
    clients,
    users,
    grace,
    tokens,
    policy,
    newTransactionId,
    logDecision: (decision: Decision, txn, caller, route, userIp) => {
      logger.info({
        event: 'api.decision',
        txn,
        client: caller,
        route,
        user: 'user' in decision ? decision.user : undefined,
        outcome: decision.kind,
        reason: 'reason' in decision ? decision.reason : undefined,
      });
      deps.signIns.recordDecision(decision, caller, userIp, txn);
    },
    signIns: createSignInHistory({
      store: stores.signIns,
      flush: () => deps.signIns.flush(),
      mute: (userName, now) => deps.push.mute(userName, now),
    }),
    logger,
  };
  const perSecond = config.http.admin.rateLimitPerSecond;
  return {
    options: { deps: apiDeps, rateLimit: { perSecond, burst: 2 * perSecond }, version: deps.version },
    pushes,
    close: () => {
      clearInterval(sweep);
      transactions.close();
    },
  };
}
