// Owns the admin HTTP listener: liveness, readiness and Prometheus metrics, on 127.0.0.1 by default.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { httpError } from './http-errors.js';
import { listen, type RunningListener } from './listen.js';

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
}

/**
 * `/healthz`: 200 while the process serves requests (restart it otherwise). `/readyz`: 200 when every check passes,
 * else 503 naming the failing ones, for a load balancer to route around this node. `/metrics`: Prometheus text.
 */
export function buildAdminApp(options: AdminListenerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024, requestTimeout: 10_000 });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
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
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', options.registry.contentType).send(await options.registry.metrics()),
  );
  app.setNotFoundHandler((_request, reply) => {
    const { status, body } = httpError('not_found');
    return reply.code(status).send(body);
  });
  return app;
}

/** Binds the admin listener. @throws when the port cannot be bound */
export function startAdminListener(options: AdminListenerOptions): Promise<RunningListener> {
  return listen(buildAdminApp(options), options.bind, options.port);
}
