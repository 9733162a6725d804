// Owns `/api/v2/transactions`: start a push or a code check and return at once; poll it, or stream its end (SSE).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type ApiTransaction, type ApiTransactionEnd, isOrphaned } from '../../domain/api-transaction.js';
import { Reason } from '../../domain/reason.js';
import type { ApiDeps } from './api-deps.js';
import { decisionStatus } from './decision-status.js';
import { problemResponses, sendProblem } from './problem.js';
import { streamUntilEnded } from './transaction-stream.js';
import { printable } from './v1-routes.js';

const Name = Type.String({ minLength: 1, maxLength: 253, pattern: '^[^\\u0000-\\u001f]+$' });

const StartBody = Type.Union([
  Type.Object(
    {
      type: Type.Literal('push'),
      username: Name,
      user_ip: Type.Optional(Type.String({ maxLength: 64, description: 'Shown on the phone.' })),
      user_agent: Type.Optional(
        Type.String({ maxLength: 64, description: 'Shown on the phone as what asks.' }),
      ),
      number_matching: Type.Optional(
        Type.Boolean({
          description:
            'Return a 2-digit `number` to show; the user picks it on the phone. Without it a `number` is still ' +
            'returned when the server requires one (`push.numberMatching`, or after two missed pushes in a row, ' +
            'SECURITY A7.7): show `number` whenever it is not null.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('code'),
      username: Name,
      password: Type.Optional(Type.String({ maxLength: 128 })),
      token_code: Type.Optional(Type.String({ maxLength: 16 })),
    },
    { additionalProperties: false },
  ),
]);

const TransactionSchema = Type.Object(
  {
    id: Type.String({ description: 'The `txn` of every log line about it.' }),
    type: Type.Union([Type.Literal('push'), Type.Literal('code')]),
    user: Type.String(),
    status: Type.Union(['pending', 'approved', 'denied', 'expired', 'failed'].map((s) => Type.Literal(s))),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'A reason code of docs/errors.md.' }),
    number: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$' }) });

const wire = (t: ApiTransaction) => ({
  id: t.id,
  type: t.type,
  user: t.user,
  status: t.status,
  reason: t.reason,
  number: t.number,
  created_at: new Date(t.createdAt).toISOString(),
  expires_at: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
});

type StartInput =
  | { type: 'push'; username: string; user_ip?: string; user_agent?: string; number_matching?: boolean }
  | { type: 'code'; username: string; password?: string; token_code?: string };

export function registerTransactionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['transactions'];
  const records = deps.transactions;

  /**
   * The record as any node stored it. A push still pending past its deadline and the grace lost the node that
   * would have ended it: it is ended here as `expired` (the first outcome stands: a late end elsewhere loses).
   */
  const read = async (id: string): Promise<ApiTransaction | undefined> => {
    const found = await records.get(id);
    const now = Date.now();
    if (found === undefined || !isOrphaned(found, now)) return found;
    await records.end(id, 'expired', Reason.PushTimeout, now);
    return records.get(id);
  };

  /** Ends a record when the push's outcome is heard; a failed write leaves it to `read`'s expiry. */
  const endRecord = (id: string, status: ApiTransactionEnd, reason: string | null): void => {
    const failed = (error: unknown) =>
      deps.logger.warn({ event: 'api.transaction_end_failed', txn: id, err: (error as Error).message });
    try {
      const ended = records.end(id, status, reason, Date.now());
      if (ended instanceof Promise) ended.catch(failed);
    } catch (error) {
      failed(error);
    }
  };

  const readable = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<ApiTransaction | undefined> => {
    const found = await read((request.params as { id: string }).id);
    // Another caller's transaction is as unknown as a missing one.
    if (found === undefined || (found.owner !== request.apiKeyName && !request.apiKeyReadsAll)) {
      sendProblem(reply, 'not_found');
      return undefined;
    }
    return found;
  };

  const start = async (
    request: FastifyRequest,
    body: StartInput,
  ): Promise<{ status: number; body: unknown }> => {
    const owner = request.apiKeyName!;
    const id = deps.newTransactionId();
    const now = Date.now();
    if (body.type === 'code') {
      const decision = await deps.checkCredentials({
        username: body.username,
        password: body.password,
        tokenCode: body.token_code,
        transactionId: id,
        caller: owner,
      });
      deps.logDecision(decision, id, owner, '/api/v2/transactions');
      const code = decisionStatus(decision);
      if (decision.kind !== 'accept' && code !== 'authentication_failed') return { status: 500, body: code };
      // Decided already: written ended, in one statement.
      const record: ApiTransaction = {
        id,
        type: 'code',
        owner,
        user: decision.kind === 'accept' ? decision.user : body.username,
        status: decision.kind === 'accept' ? 'approved' : 'denied',
        reason: decision.kind === 'reject' ? decision.reason : null,
        number: null,
        createdAt: now,
        expiresAt: null,
        endedAt: now,
      };
      await records.add(record);
      return { status: 201, body: wire(record) };
    }
    const pushes = deps.pushes;
    if (pushes === undefined) return { status: 404, body: 'push is off (push.enabled)' };
    const userIp = printable(body.user_ip, 64);
    const started = await pushes.start({
      username: body.username,
      clientName: printable(body.user_agent, 64) || owner,
      userIp,
      transactionId: id,
      withNumber: body.number_matching === true,
      // SECURITY A7.7: after missed pushes (or with push.numberMatching) the number is the site's rule, not the
      // application's choice; a v2 caller shows `number` whenever there is one.
      showsNumber: true,
      caller: owner,
    });
    if (!started.ok) {
      deps.logDecision(
        { kind: 'reject', reason: started.reason, user: started.user ?? body.username, transactionId: id },
        id,
        owner,
        '/api/v2/transactions',
        userIp,
      );
      if (started.reason === Reason.PushUnavailable)
        return { status: 404, body: 'no such user, or no authenticator' };
    }
    const t = started.ok ? started.transaction : undefined;
    const record: ApiTransaction = {
      id,
      type: 'push',
      owner,
      user: t?.userName ?? body.username,
      status: started.ok ? 'pending' : 'denied',
      reason: started.ok ? null : started.reason,
      number: t !== undefined && t.number !== '' ? t.number : null,
      createdAt: now,
      expiresAt: t?.deadline ?? null,
      endedAt: started.ok ? null : now,
    };
    await records.add(record);
    if (started.ok)
      pushes.listen(id, (outcome) => {
        if (outcome.kind === 'undeliverable') return endRecord(id, 'failed', Reason.PushUndelivered);
        const d = outcome.decision;
        if (d.kind === 'accept') return endRecord(id, 'approved', null);
        const reason = d.kind === 'reject' ? d.reason : Reason.PushDenied;
        endRecord(id, reason === Reason.PushTimeout ? 'expired' : 'denied', reason);
      });
    return { status: started.ok ? 202 : 201, body: wire(record) };
  };

  app.post<{ Body: StartInput }>(
    '/api/v2/transactions',
    {
      preHandler: deps.requireScope((request) =>
        (request.body as StartInput | undefined)?.type === 'code' ? 'auth' : 'push',
      ),
      schema: {
        summary: 'Start a push or a code check',
        description:
          'Returns at once: 202 with `status: pending` for a push (poll it, or stream `…/events`), 201 with the ' +
          'result for a code check or a push refused before sending (`reason`). An `Idempotency-Key` header makes ' +
          'a retried POST return the first answer instead of starting a second push. Scope `push` or `auth`.',
        tags,
        body: StartBody,
        response: {
          201: TransactionSchema,
          202: TransactionSchema,
          ...problemResponses(400, 401, 404, 413, 415, 422, 429, 500),
        },
      },
    },
    async (request, reply) => {
      const answer = await start(request, request.body);
      if (typeof answer.body === 'string') {
        return sendProblem(
          reply,
          answer.status === 404 ? 'not_found' : 'internal_error',
          answer.status === 404 ? answer.body : undefined,
        );
      }
      reply.header('location', `/api/v2/transactions/${(answer.body as { id: string }).id}`);
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v2/transactions/:id',
    {
      preHandler: deps.requireScope(['read', 'push', 'auth']),
      schema: {
        summary: 'A transaction as it is now',
        tags,
        params: IdParams,
        response: { 200: TransactionSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const found = await readable(request, reply);
      return found === undefined ? reply : wire(found);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v2/transactions/:id/events',
    {
      preHandler: deps.requireScope(['read', 'push', 'auth']),
      schema: {
        summary: 'Stream a transaction until it ends (Server-Sent Events)',
        description:
          '`text/event-stream`: one `transaction` event with its state now and, while pending, one more when it ' +
          'ends; then the stream closes. A comment line every 15 s keeps proxies from closing it.',
        tags,
        params: IdParams,
        response: {
          200: {
            description: 'The event stream.',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...problemResponses(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const found = await readable(request, reply);
      if (found === undefined) return reply;
      streamUntilEnded(reply, found, {
        read,
        wire,
        listen: (id, wake) => records.listen(id, wake),
        logger: deps.logger,
      });
    },
  );
}
