// Owns `/api/v2/users/{name}/grace`: one user's own grace period (issue 18), the REST twin of `assent user grace`.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { UserInputError } from '../../admin/user-admin.js';
import type { OwnGrace } from '../../domain/grace-logins.js';
import type { ApiDeps } from './api-deps.js';
import { problemResponses, sendProblem } from './problem.js';

/** The grace store's own-grace methods with the rules of admin/grace-admin.ts applied. */
export interface GraceAdmin {
  get(name: string): Promise<OwnGrace | undefined>;
  /** @throws UserInputError */
  set(name: string, input: { until?: string; logins?: number }): Promise<OwnGrace>;
  /** False when none was set. */
  clear(name: string): Promise<boolean>;
}

const Grace = Type.Object(
  {
    until: Type.String({ description: '`YYYY-MM-DD` (UTC) or empty: no date.' }),
    logins: Type.Integer({ description: 'Grace sign-ins allowed; 0: none.' }),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }) });

export function registerGraceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['users'];
  const path = '/api/v2/users/:name/grace';
  const audit = (event: string, key: string | undefined, user: string, extra: object = {}) =>
    deps.logger.info({ event, key, user, ...extra }, "a user's grace period changed over the REST API");

  app.get<{ Params: { name: string } }>(
    path,
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: "A user's own grace period",
        description:
          'Set by `PUT`; replaces the global and group `secondFactor.graceUntil`/`graceLogins` for this user ' +
          '(docs/self-service.md). 404 when none is set. The name need not be a local user (directory users too).',
        tags,
        params: Params,
        response: { 200: Grace, ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => (await deps.grace.get(request.params.name)) ?? sendProblem(reply, 'not_found'),
  );

  app.put<{ Params: { name: string }; Body: { until?: string; logins?: number } }>(
    path,
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: "Set a user's own grace period",
        description:
          'Until a date, for a number of sign-ins, or both (whichever ends first); `{}` or both empty: none at all ' +
          '(the user must enrol at the next sign-in).',
        tags,
        params: Params,
        body: Type.Object(
          {
            until: Type.Optional(Type.String({ maxLength: 10 })),
            logins: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Grace, ...problemResponses(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      try {
        const grace = await deps.grace.set(request.params.name, request.body);
        audit('audit.user_grace_set', request.apiKeyName, request.params.name, { ...grace });
        return grace;
      } catch (error) {
        if (!(error instanceof UserInputError)) throw error;
        return sendProblem(reply, 'bad_request', `${error.field}: ${error.message}`);
      }
    },
  );

  app.delete<{ Params: { name: string } }>(
    path,
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: "Remove a user's own grace period",
        description: 'The global and group settings apply to the user again.',
        tags,
        params: Params,
        response: { 204: Type.Null({ description: 'Removed.' }), ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await deps.grace.clear(request.params.name))) return sendProblem(reply, 'not_found');
      audit('audit.user_grace_cleared', request.apiKeyName, request.params.name);
      return reply.code(204).send();
    },
  );
}
