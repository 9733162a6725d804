// Owns the admin HTTP listener: liveness, readiness and Prometheus metrics, on 127.0.0.1 by default.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type ApiOptions, registerApi } from './api/api-routes.js';
import { sendProblem } from './api/problem.js';
import { acceptStrictJson } from './body-parsers.js';
import { codeOfError, httpError } from './http-errors.js';
import { listen, type RunningListener } from './listen.js';
import { BODY_LIMIT } from './public-listener.js';

/** One thing the server needs to do its work; red makes /readyz answer 503. */
export interface ReadinessCheck {
  readonly name: string;
  /** Undefined when fine, else what is wrong (never a secret). */
  check(): string | undefined | Promise<string | undefined>;
}

export interface AdminListenerOptions {
  readonly bind: string;
  readonly port: number;
  readonly registry: Registry;
  readonly checks: readonly ReadinessCheck[];
  /** The REST API (docs/api.md); absent: only the three operator endpoints. */
  readonly api?: ApiOptions;
  readonly logger?: Logger;
}

/**
 * `/healthz`: 200 while the process serves requests (restart it otherwise). `/readyz`: 200 when every check passes,
 * else 503 naming the failing ones, for a load balancer to route around this node. `/metrics`: Prometheus text.
 */
export async function buildAdminApp(options: AdminListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // SECURITY A8.7: no API body comes near this.
    bodyLimit: BODY_LIMIT,
    requestTimeout: 10_000,
    return503OnClosing: true,
    // FortiAuthenticator's routes end in `/`; both spellings reach the same route.
    routerOptions: { ignoreTrailingSlash: true },
    // The validation error names the field; every member is checked, not just the first wrong one.
    ajv: {
      customOptions: { allErrors: false, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
  });
  acceptStrictJson(app);
  app.setErrorHandler((error, request, reply) => {
    const code = codeOfError(error as { code?: unknown; statusCode?: unknown });
    if (code === 'internal_error')
      options.logger?.error(
        { event: 'http.error', err: error, url: request.url.slice(0, 100) },
        'admin request failed',
      );
    const detail = code === 'bad_request' ? (error as Error).message.slice(0, 200) : undefined;
    if (request.url.startsWith('/api/')) return sendProblem(reply, code, detail);
    const { status, body } = httpError(code, detail);
    return reply.code(status).send(body);
  });
  if (options.api !== undefined) await registerApi(app, options.api);
  const hide = { schema: { hide: true } };
  app.get('/healthz', hide, async () => ({ status: 'ok' }));
  app.get('/readyz', hide, async (_request, reply) => {
    const results = await Promise.all(
      options.checks.map(async (c) => {
        try {
          return { name: c.name, problem: await c.check() };
        } catch (error) {
          return { name: c.name, problem: (error as Error).message };
        }
      }),
    );
    const failing = results.filter((r) => r.problem !== undefined);
    const checks = Object.fromEntries(results.map((r) => [r.name, r.problem ?? 'ok']));
    return reply
      .code(failing.length === 0 ? 200 : 503)
      .send({ status: failing.length === 0 ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', hide, async (_request, reply) =>
    reply.header('content-type', options.registry.contentType).send(await options.registry.metrics()),
  );
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) return sendProblem(reply, 'not_found');
    const { status, body } = httpError('not_found');
    return reply.code(status).send(body);
  });
  return app;
}

/** Binds the admin listener. @throws when the port cannot be bound */
export async function startAdminListener(options: AdminListenerOptions): Promise<RunningListener> {
  return listen(await buildAdminApp(options), options.bind, options.port);
}
