// Owns `Idempotency-Key` on every POST of /api/v2/ (draft-ietf-httpapi-idempotency-key-header): a retried request
// gets the first answer again instead of doing the work twice (a second push, a second user).
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import type { ApiTransactions } from './api-transactions.js';
import { problemResponses, sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key of a first POST, whose answer is remembered once sent. */
    idempotencyKey?: string;
  }
}

const HEADERS = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Repeating a POST with the same key and body returns the first answer (kept 24 hours).',
    }),
  ),
});

const REPLAYED_HEADERS = ['content-type', 'location'] as const;

/**
 * Adds the check to every POST route of /api/v2/ registered after this call (after its key check, so answers are
 * remembered per API key), and remembers each answer below 500 (a server fault may not repeat; retrying is right).
 */
export function idempotentPosts(app: FastifyInstance, store: ApiTransactions): void {
  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || request.apiKeyName === undefined) return;
    const before = store.recall(request.apiKeyName, key, request.body);
    if (before === 'conflict') {
      return sendProblem(reply, 'idempotency_key_reused', 'this Idempotency-Key came with another body');
    }
    if (before !== undefined) {
      for (const [name, value] of Object.entries(before.headers)) reply.header(name, value);
      return reply.code(before.status).header('idempotent-replayed', 'true').send(before.payload);
    }
    request.idempotencyKey = key;
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST') || !route.url.startsWith('/api/v2/')) return;
    const existing = route.preHandler === undefined ? [] : [route.preHandler].flat();
    route.preHandler = [...existing, check];
    const schema = route.schema;
    if (schema === undefined) return;
    if (schema.headers === undefined) schema.headers = HEADERS;
    const responses = schema.response as Record<string, unknown> | undefined;
    if (responses !== undefined && responses['422'] === undefined)
      Object.assign(responses, problemResponses(422));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (key === undefined || request.apiKeyName === undefined || reply.statusCode >= 500) return payload;
    if (typeof payload === 'string' || payload === undefined || payload === null) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (typeof value === 'string') headers[name] = value;
      }
      store.remember(request.apiKeyName, key, request.body, reply.statusCode, payload ?? '', headers);
    }
    return payload;
  });
}
