// Owns `Idempotency-Key` on every POST of /api/v2/ (draft-ietf-httpapi-idempotency-key-header): a retried request
// gets the first answer again instead of doing the work twice (a second push, a second user), on any node.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { ApiTransactionStore } from '../../domain/api-transaction.js';
import { problemResponses, sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed: its answer is remembered once sent. */
    idempotencyKey?: string;
  }
}

const HEADERS = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Repeating a POST with the same key and body returns the first answer (kept 24 hours); while the ' +
        'first is still being answered, 409 `idempotency_key_in_use`.',
    }),
  ),
});

const REPLAYED_HEADERS = ['content-type', 'location'] as const;

const hashOf = (body: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('base64url');

/**
 * Adds the check to every POST route of /api/v2/ registered after this call (after its key check, so keys are
 * per API key). The key is claimed in the store before the route runs (one insert-if-absent, shared by every
 * node), so two requests with one key at once cannot both do the work; the answer replaces the claim once sent.
 * An answer of 500 or more releases the claim instead: a server fault may not repeat, retrying is right.
 */
export function idempotentPosts(app: FastifyInstance, store: ApiTransactionStore, logger: Logger): void {
  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || request.apiKeyName === undefined) return;
    const found = await store.claim(request.apiKeyName, key, hashOf(request.body), Date.now());
    switch (found.kind) {
      case 'claimed':
        request.idempotencyKey = key;
        return;
      case 'reused':
        return sendProblem(reply, 'idempotency_key_reused', 'this Idempotency-Key came with another body');
      case 'in-progress':
        // draft-ietf-httpapi-idempotency-key-header §2.6: a request whose key is still being answered is 409.
        return sendProblem(
          reply,
          'idempotency_key_in_use',
          'a request with this Idempotency-Key is still being answered; retry in a moment',
        );
      case 'answered':
        for (const [name, value] of Object.entries(found.answer.headers)) reply.header(name, value);
        return reply
          .code(found.answer.status)
          .header('idempotent-replayed', 'true')
          .send(found.answer.payload);
    }
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
    if (responses === undefined) return;
    if (responses['409'] === undefined) Object.assign(responses, problemResponses(409));
    if (responses['422'] === undefined) Object.assign(responses, problemResponses(422));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    const owner = request.apiKeyName;
    if (key === undefined || owner === undefined) return payload;
    try {
      if (reply.statusCode >= 500 || !(typeof payload === 'string' || payload == null)) {
        await store.release(owner, key);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (typeof value === 'string') headers[name] = value;
      }
      await store.remember(
        owner,
        key,
        { status: reply.statusCode, payload: payload ?? '', headers },
        Date.now(),
      );
    } catch (error) {
      // The answer still goes out; the claim lapses (CLAIM_LAPSE_MS) and a retry then does the work again.
      logger.warn({ event: 'api.idempotency_not_kept', key: owner, err: (error as Error).message });
    }
    return payload;
  });
}
