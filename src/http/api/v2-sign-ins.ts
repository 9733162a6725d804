// Owns `/api/v2/users/{name}/sign-ins`: a user's sign-in history, and "this wasn't me" on one of them (issue 18).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { SIGN_IN_METHODS, type SignIn } from '../../domain/sign-in.js';
import type { ApiDeps } from './api-deps.js';
import { Page, PageQuery } from './pagination.js';
import { problemResponses, sendProblem } from './problem.js';

const SignInSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Names the sign-in in `…/sign-ins/{id}/not-me`.' }),
    at: Type.String({ format: 'date-time' }),
    client: Type.String({ description: "The NAS's client name, or the API key's name." }),
    user_ip: Type.String({
      description: "The user's address as the NAS sent it (Calling-Station-Id); empty when unknown.",
    }),
    result: Type.Union([Type.Literal('accepted'), Type.Literal('rejected')]),
    how: Type.Union(
      [...SIGN_IN_METHODS, ''].map((m) => Type.Literal(m)),
      {
        description: 'How an accepted sign-in passed; empty for a rejection.',
      },
    ),
    reason: Type.String({ description: 'A reason code of docs/errors.md for a rejection; empty otherwise.' }),
    txn: Type.String({ description: 'The `txn` of the log lines of that login.' }),
    not_me_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the user (or an administrator) reported it as not theirs.',
    }),
  },
  { additionalProperties: false },
);

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }) });
const SignInParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253 }),
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

const wire = (s: SignIn) => ({
  id: s.id,
  at: s.at,
  client: s.client,
  user_ip: s.userIp,
  result: s.result,
  how: s.how,
  reason: s.reason,
  txn: s.txn,
  not_me_at: s.notMeAt,
});

/** A page ends at its last sign-in: its id is the cursor (the next page is the user's sign-ins before it). */
const CURSOR = /^[1-9]\d{0,14}$/;

export function registerSignInRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['users'];

  app.get<{ Params: { name: string }; Querystring: { limit?: number; after?: string } }>(
    '/api/v2/users/:name/sign-ins',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: "A user's sign-in history, newest first",
        description:
          'Every final outcome of a login of the user over RADIUS or this API (not challenges, not pending ' +
          'pushes), kept `portal.signInHistoryDays`. Rejections of names that are not known users are never ' +
          'recorded (docs/security.md A12.1). Also for directory users; a name with no sign-ins has an empty list.',
        tags,
        params: NameParams,
        querystring: PageQuery,
        response: { 200: Page(SignInSchema), ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { limit = 100, after } = request.query;
      if (after !== undefined && !CURSOR.test(after)) {
        return sendProblem(reply, 'bad_request', 'after: expected the `next` of a previous page');
      }
      // One more than asked tells whether another page follows.
      const rows = await deps.signIns.list(
        request.params.name,
        limit + 1,
        after === undefined ? undefined : Number(after),
      );
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? String(page[page.length - 1]!.id) : null;
      return { items: page.map(wire), next };
    },
  );

  app.post<{ Params: { name: string; id: number } }>(
    '/api/v2/users/:name/sign-ins/:id/not-me',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Report a sign-in as not the user\'s ("this wasn\'t me")',
        description:
          'Marks the sign-in and mutes pushes to the user for `push.muteMinutes`, as the same answer to a push ' +
          'does (docs/security.md A7.8); logged as `audit.sign_in_not_me`. Reporting it again mutes again. 404 ' +
          "for an unknown id and for another user's sign-in.",
        tags,
        params: SignInParams,
        response: {
          200: Type.Object(
            { muted_until: Type.String({ format: 'date-time', description: 'When pushes resume.' }) },
            { additionalProperties: false },
          ),
          ...problemResponses(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { name, id } = request.params;
      const done = await deps.signIns.notMe(name, id);
      if (done === undefined) return sendProblem(reply, 'not_found');
      deps.logger.warn(
        {
          event: 'audit.sign_in_not_me',
          user: name,
          txn: done.signIn.txn,
          signIn: id,
          key: request.apiKeyName,
          mutedUntil: done.mutedUntil,
          again: done.marked ? undefined : true,
        },
        'sign-in reported as not the user; pushes to them are muted',
      );
      return { muted_until: done.mutedUntil };
    },
  );
}
