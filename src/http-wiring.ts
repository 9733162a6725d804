// Owns starting the HTTP listeners from the configuration: the public one for devices and the user portal, the admin
// one for operators.
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import { ServerSecretName } from './domain/server-secret.js';
import { type ReadinessCheck, startAdminListener } from './http/admin-listener.js';
import type { ApiOptions } from './http/api/api-routes.js';
import type { RunningListener } from './http/listen.js';
import type { Metrics } from './http/metrics.js';
import type { PortalRoutes } from './http/portal/portal-routes.js';
import { loadPublicCertificate } from './http/public-certificate.js';
import { type DeviceRoutes, startPublicListener } from './http/public-listener.js';
import { loadStaticFiles, loadWebAuthenticator } from './http/web-authenticator.js';
import type { PushWiring } from './push-wiring.js';
import type { Stores } from './store/open-stores.js';

/** The web authenticator as scripts/build-web.ts leaves it (committed; docs/authenticator.md). */
const WEB_AUTHENTICATOR_DIR = fileURLToPath(new URL('../dist/authenticator/', import.meta.url));
/** The user portal's app, built the same way (docs/self-service.md). */
const PORTAL_DIR = fileURLToPath(new URL('../dist/portal/', import.meta.url));

export interface HttpWiringDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly checks: readonly ReadinessCheck[];
  /** Device routes; undefined when push is off. */
  readonly routes: DeviceRoutes | undefined;
  /** The user portal; undefined when `portal.enabled` is off. With neither, no public listener is opened. */
  readonly portal?: PortalRoutes | undefined;
  /** The reply-to address: its host names the certificate made at first start; its port is known once bound. */
  readonly publicUrlNow: () => string;
  /** Told the public listener's bound port before any request can arrive. */
  readonly publicPortBound?: (port: number) => void;
  /** The REST API on the admin listener (docs/api.md). */
  readonly api?: ApiOptions;
}

export interface HttpListeners {
  /** The public listener's port; undefined when push and the portal are off. */
  readonly publicPort: number | undefined;
  readonly adminPort: number;
  close(): Promise<void>;
}

/** Names the public certificate made on first start covers: the reply-to host first, then this machine's. */
function certificateHosts(publicUrl: string): string[] {
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  return [...new Set([host, hostname(), 'localhost', '127.0.0.1', '::1'])];
}

/** The portal's built app, or undefined (logged) when this checkout has not built it: its API is served anyway. */
function portalFiles(logger: Logger) {
  const files = loadStaticFiles(PORTAL_DIR);
  if (files === undefined) {
    logger.warn(
      { event: 'http.portal_app_missing', dir: PORTAL_DIR },
      'the user portal app is not built: /my/ is not served, only its API (npm run build:web)',
    );
  }
  return files;
}

/**
 * Opens the admin listener and, with push or the portal on, the public one (its certificate made on first start
 * when none is configured). @throws when a port cannot be bound or the certificate pair is half there
 */
export async function startHttpListeners(deps: HttpWiringDeps): Promise<HttpListeners> {
  const { config, logger } = deps;
  const opened: RunningListener[] = [];
  try {
    let publicPort: number | undefined;
    if (deps.routes !== undefined || deps.portal !== undefined) {
      const files = { certFile: config.http.public.certFile, keyFile: config.http.public.keyFile };
      const tls = await loadPublicCertificate(files, certificateHosts(deps.publicUrlNow()));
      if (tls.generated) {
        logger.warn(
          { event: 'http.certificate_generated', certFile: files.certFile },
          'made a self-signed certificate for the public listener; phones trust it only once installed: ' +
            'set http.public.certFile/keyFile to a certificate from a CA for production',
        );
      }
      for (const warning of tls.warnings) logger.warn({ event: 'http.certificate_problem' }, warning);
      const webAuthenticator =
        deps.routes === undefined ? undefined : loadWebAuthenticator(WEB_AUTHENTICATOR_DIR);
      if (deps.routes !== undefined && webAuthenticator === undefined) {
        logger.warn(
          { event: 'http.web_authenticator_missing', dir: WEB_AUTHENTICATOR_DIR },
          'the web authenticator is not built: /authenticator/ is not served (npm run build:web)',
        );
      }
      const listener = await startPublicListener({
        bind: config.http.public.bind,
        port: config.http.public.port,
        tls,
        routes: deps.routes,
        ...(webAuthenticator === undefined ? {} : { webAuthenticator }),
        ...(deps.portal === undefined ? {} : { portal: deps.portal, portalFiles: portalFiles(logger) }),
        logger,
        rateLimit: {
          perSecond: config.http.public.rateLimitPerSecond,
          burst: 2 * config.http.public.rateLimitPerSecond,
        },
        onResponse: (route, status) => deps.metrics.http(route, status),
      });
      opened.push(listener);
      publicPort = listener.port;
      deps.publicPortBound?.(publicPort);
    }
    const admin = await startAdminListener({
      bind: config.http.admin.bind,
      port: config.http.admin.port,
      registry: deps.metrics.registry,
      checks: deps.checks,
      logger,
      ...(deps.api === undefined ? {} : { api: deps.api }),
    });
    opened.push(admin);
    if (!/^(127\.|::1$|localhost$)/.test(config.http.admin.bind)) {
      logger.warn(
        { event: 'config.unsafe', setting: 'http.admin.bind', bind: config.http.admin.bind },
        'the admin listener (metrics and the REST API) is plain HTTP beyond this host: API keys cross the network ' +
          'in clear; keep it on 127.0.0.1 or put a TLS proxy in front of it',
      );
    }
    logger.info(
      {
        event: 'http.listening',
        public: publicPort === undefined ? null : `${config.http.public.bind}:${publicPort}`,
        publicUrl: publicPort === undefined ? null : deps.publicUrlNow(),
        admin: `${config.http.admin.bind}:${admin.port}`,
      },
      'HTTP listeners ready',
    );
    return {
      publicPort,
      adminPort: admin.port,
      close: async () => {
        await Promise.all(opened.map((l) => l.close()));
      },
    };
  } catch (error) {
    await Promise.all(opened.map((l) => l.close()));
    throw error;
  }
}

/**
 * `/readyz` (issue 13): red while the database cannot answer, the key file no longer opens what it sealed, or push
 * delivery was refused by a push service (our VAPID identity or request is wrong: fix the configuration).
 */
export function readinessChecks(stores: Stores, push: PushWiring): ReadinessCheck[] {
  return [
    {
      name: 'database',
      check: async () => {
        try {
          await stores.ping();
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    },
    {
      name: 'key',
      check: async () => {
        await stores.serverSecrets.getOrCreate(ServerSecretName.VapidKeys, () => {
          throw new Error('push keys are missing');
        });
        return undefined;
      },
    },
    { name: 'push_delivery', check: () => push.deliveryFault() },
  ];
}
