// Owns the REST API on the admin listener: its guards (limits, keys, errors), its routes and the OpenAPI document.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { RateLimiter } from '../rate-limiter.js';
import type { ApiDeps } from './api-deps.js';
import { idempotentPosts } from './idempotency.js';
import { sendProblem } from './problem.js';
import { registerV1Routes } from './v1-routes.js';
import { registerClientRoutes } from './v2-clients.js';
import { registerGraceRoutes } from './v2-grace.js';
import { registerPolicyRoute } from './v2-policy.js';
import { registerSignInRoutes } from './v2-sign-ins.js';
import { registerTokenRoutes } from './v2-tokens.js';
import { registerTransactionRoutes } from './v2-transactions.js';
import { registerUserRoutes } from './v2-users.js';

/** The OpenAPI document's address (docs/api.md). */
export const OPENAPI_PATH = '/api/openapi.json';

export interface ApiOptions {
  readonly deps: ApiDeps;
  /** Per source address (SECURITY A8.7). */
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  readonly version: string;
}

/**
 * Registers the API in `app` (before any other route, so the OpenAPI document sees them all). Every `/api/` answer
 * that is an error is RFC 9457 problem+json; every call is audited with its key's name (SECURITY A8.8).
 */
export async function registerApi(app: FastifyInstance, options: ApiOptions): Promise<void> {
  const { deps } = options;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Assent REST API',
        version: options.version,
        description:
          "FortiAuthenticator-compatible `/api/v1/` and Assent's own `/api/v2/`. Authenticate with an API key " +
          '(`assent apikey add`): HTTP Basic `<key name>:<key>` or `Authorization: Bearer <key>`. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }],
    },
  });
  const limiter = new RateLimiter(options.rateLimit.perSecond, options.rateLimit.burst);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    if (!limiter.take(request.ip, Date.now())) {
      reply.header('retry-after', String(Math.max(1, limiter.retryAfterSeconds(request.ip))));
      return sendProblem(reply, 'too_many_requests');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!request.url.startsWith('/api/') || request.url === OPENAPI_PATH) return;
    deps.logger.info({
      event: 'api.call',
      key: request.apiKeyName ?? null,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0]!.slice(0, 100),
      status: reply.statusCode,
      src: request.ip,
      ms: Math.round(reply.elapsedTime),
    });
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  idempotentPosts(app, deps.transactions, deps.logger);
  registerV1Routes(app, deps);
  registerTransactionRoutes(app, deps);
  registerClientRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerGraceRoutes(app, deps);
  registerSignInRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerPolicyRoute(app, deps);
}
