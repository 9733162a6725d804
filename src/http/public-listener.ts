// Owns the public HTTPS listener: device routes (SECURITY A8.1), the web authenticator's files (A10.2), the
// enrollment-at-login page (A11.5) and the user portal (A12), strict bodies and per-address rate limits.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { AnswerPush } from '../auth/answer-push.js';
import type { FortiAnswer } from '../auth/answer-push-fac.js';
import type { DeviceReply } from '../auth/device-reply.js';
import type { ActivateDevice } from '../auth/enroll-device.js';
import type { PollPushes } from '../auth/poll-pushes.js';
import { acceptForm, acceptStrictJson } from './body-parsers.js';
import { type EnrollmentPageRoutes, registerEnrollPage } from './enroll-page.js';
import { codeOfError, httpError } from './http-errors.js';
import { listen, type RunningListener } from './listen.js';
import { type PortalRoutes, registerPortal } from './portal/portal-routes.js';
import { RateLimiter } from './rate-limiter.js';
import {
  allowCrossOrigin,
  registerWebAuthenticator,
  type StaticFiles,
  type WebAuthenticatorHints,
} from './web-authenticator.js';

/** docs/push.md: what devices may do. Nothing else is served here. */
export interface DeviceRoutes {
  readonly activate: ActivateDevice;
  readonly answer: AnswerPush;
  readonly poll: PollPushes;
  /** FortiAuthenticator's `POST /api/v1/pushauthresp/` (docs/push.md §10). */
  readonly fortiAnswer: FortiAnswer;
  /** Issue 18: the page of a link of enrollment at login (`/e/<code>`) and its two choices. */
  readonly enrollment?: EnrollmentPageRoutes;
  /** What the web authenticator asks before enrolling (`/authenticator/config.json`). */
  readonly webHints?: () => WebAuthenticatorHints;
}

export interface PublicListenerOptions {
  readonly bind: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string };
  /** Absent when push is off: no device route is served then. */
  readonly routes?: DeviceRoutes | undefined;
  /** The user portal (docs/self-service.md); absent when `portal.enabled` is off. */
  readonly portal?: PortalRoutes | undefined;
  /** The portal app's built files (dist/portal); without them only its API is served. */
  readonly portalFiles?: StaticFiles | undefined;
  readonly logger: Logger;
  /** Per source address (SECURITY A8.7). */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  /** The web authenticator's built files (docs/authenticator.md); without them `/authenticator/` is not served. */
  readonly webAuthenticator?: StaticFiles;
  /** Told about each answered request (metrics): its route pattern and status. */
  readonly onResponse?: (route: string, status: number) => void;
}

/** SECURITY A8.7: no device message comes near this. */
export const BODY_LIMIT = 16 * 1024;
/** Slow clients (slowloris) are cut off: a request has this long to arrive whole. */
const REQUEST_TIMEOUT_MS = 10_000;

function send(reply: FastifyReply, answer: DeviceReply | { status: number; body: unknown }) {
  return reply.code(answer.status).header('cache-control', 'no-store').send(answer.body);
}

/** Builds the listener's routes and guards without binding, so tests can inject requests. */
export function buildPublicApp(options: PublicListenerOptions): FastifyInstance {
  const app = Fastify({
    https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' },
    bodyLimit: BODY_LIMIT,
    connectionTimeout: REQUEST_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 5_000,
    logger: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const limit = options.rateLimit ?? { perSecond: 20, burst: 40 };
  const limiter = new RateLimiter(limit.perSecond, limit.burst);
  const { routes, logger } = options;

  acceptStrictJson(app);
  allowCrossOrigin(app);

  app.addHook('onRequest', async (request, reply) => {
    if (!limiter.take(request.ip, Date.now())) {
      reply.header('retry-after', String(Math.max(1, limiter.retryAfterSeconds(request.ip))));
      return send(reply, httpError('too_many_requests'));
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    options.onResponse?.(request.routeOptions.url ?? 'unknown', reply.statusCode);
  });
  app.setErrorHandler((error, _request, reply) => {
    const code = codeOfError(error as { code?: unknown; statusCode?: unknown });
    if (code === 'internal_error') logger.error({ event: 'http.error', err: error }, 'device request failed');
    return send(
      reply,
      httpError(code, code === 'bad_request' ? (error as Error).message.slice(0, 120) : undefined),
    );
  });
  app.setNotFoundHandler((_request, reply) => send(reply, httpError('not_found')));
  if (options.portal !== undefined) registerPortal(app, options.portal, options.portalFiles);
  if (routes !== undefined) registerDeviceRoutes(app, routes, options.webAuthenticator);
  return app;
}

/** docs/push.md: the device routes, and the web authenticator that uses them. */
function registerDeviceRoutes(
  app: FastifyInstance,
  routes: DeviceRoutes,
  webAuthenticator?: StaticFiles,
): void {
  if (webAuthenticator !== undefined) {
    const hints = routes.webHints ?? (() => ({ serverName: 'Assent', vapidPublicKey: '' }));
    registerWebAuthenticator(app, webAuthenticator, hints);
  }

  app.post<{ Params: { code: string } }>('/device/v1/activation/:code', async (request, reply) =>
    send(reply, await routes.activate(request.params.code, request.body, request.ip)),
  );
  app.post('/device/v1/answer', async (request, reply) =>
    send(reply, await routes.answer(request.body, request.ip)),
  );
  // FortiAuthenticator's clients may post form bodies (docs/push.md §10), on this route only; a field twice is refused
  // like a JSON key twice.
  // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin (its documented form)
  app.register(async (scope) => {
    acceptForm(scope);
    scope.post('/api/v1/pushauthresp/', async (request, reply) =>
      send(reply, await routes.fortiAnswer(request.body, request.ip)),
    );
  });
  if (routes.enrollment !== undefined) registerEnrollPage(app, routes.enrollment);
  app.get<{ Querystring: Record<string, string> }>('/device/v1/pending', async (request, reply) => {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.query))
      if (typeof value === 'string') query[key] = value;
    return send(reply, await routes.poll(query, request.ip));
  });
}

/** Binds the public listener. @throws when the port cannot be bound */
export function startPublicListener(options: PublicListenerOptions): Promise<RunningListener> {
  return listen(buildPublicApp(options), options.bind, options.port);
}
