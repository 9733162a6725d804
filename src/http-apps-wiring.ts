// Owns the HTTP applications built over the RADIUS login: the REST API and the user portal, which share its parts.
import type { Logger } from 'pino';
import { type ApiWiring, createApiWiring } from './api-wiring.js';
import { createSignInHistory } from './auth/sign-in-history.js';
import type { Caches } from './cache-wiring.js';
import type { Config } from './config/config-schema.js';
import { hashArgon2id } from './directory/password/argon2id.js';
import type { LoginWiring } from './login-wiring.js';
import { PACKAGE_VERSION } from './package-version.js';
import { createPortalWiring, type PortalWiring } from './portal-wiring.js';
import type { Stores } from './store/open-stores.js';

export interface HttpAppsDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly stores: Stores;
  readonly caches: Pick<Caches, 'tokens' | 'ownWays' | 'lockouts' | 'storesChanged'>;
  /** The RADIUS login: its first factors, shared parts, push and sign-in history. */
  readonly auth: Pick<LoginWiring, 'local' | 'firstFactor' | 'login' | 'push' | 'signIns'>;
  /** Re-reads the RADIUS client table into the running server (what SIGHUP does). */
  readonly reloadClients: () => Promise<unknown>;
  /** Run in order at close; the API and the portal add theirs. */
  readonly cleanups: (() => unknown)[];
}

export interface HttpApps {
  readonly api: ApiWiring;
  /** Undefined when `portal.enabled` is off. */
  readonly portal: PortalWiring | undefined;
}

/** Builds the REST API, then the portal, and tells the API's pushes every delivery's result. */
export function createHttpApps(deps: HttpAppsDeps): HttpApps {
  const { config, logger, stores, cleanups } = deps;
  const { tokens, ownWays, lockouts, storesChanged } = deps.caches;
  const { firstFactor, login, push, signIns } = deps.auth;
  const api = createApiWiring({
    config,
    logger,
    stores,
    local: deps.auth.local,
    firstFactor,
    login,
    push,
    lockouts,
    reloadClients: () => deps.reloadClients(),
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
    stores: {
      tokens,
      pushDevices: stores.pushDevices,
      ownWays,
      portalSessions: stores.portalSessions,
      pendingTotps: stores.pendingTotps,
    },
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
  return { api, portal };
}
