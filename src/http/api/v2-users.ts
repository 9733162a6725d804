// Owns `/api/v2/users`, `/groups` and `/lockouts`: local users, their status, groups, passwords and lockouts.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { type LockoutRow, UserInputError, type UserView } from '../../admin/user-admin.js';
import type { ApiDeps } from './api-deps.js';
import { Page, PageQuery, pageOf } from './pagination.js';
import { problemResponses, sendProblem } from './problem.js';

/** The user use cases (admin/user-admin.ts) bound to the server's stores and password hashing. */
export interface UserAdmin {
  list(): Promise<UserView[]>;
  get(name: string): Promise<UserView | undefined>;
  /** @throws UserInputError */
  add(input: {
    name: string;
    password: string | null | undefined;
    groups?: string[] | undefined;
    disabled?: boolean | undefined;
  }): Promise<{ user: UserView; generatedPassword: string | undefined }>;
  /** @throws UserInputError; undefined when no such user */
  update(
    name: string,
    change: { status?: 'active' | 'disabled'; groups?: string[] },
  ): Promise<UserView | undefined>;
  remove(name: string): Promise<boolean>;
  /** @throws UserInputError; undefined when no such user */
  setPassword(
    name: string,
    password: string | undefined,
  ): Promise<{ generatedPassword: string | undefined } | undefined>;
  /** False when nothing at all is known under the name. */
  unlock(name: string): Promise<boolean>;
  lockouts(): Promise<LockoutRow[]>;
  groups(): Promise<{ name: string; members: number }[]>;
}

const UserSchema = Type.Object(
  {
    name: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    groups: Type.Array(Type.String()),
    password_scheme: Type.String({ description: '`$argon2id$`, `{SSHA}`, … or `none`; never the hash.' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const Group = Type.String({ minLength: 1, maxLength: 253 });
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }) });

const wire = (u: UserView) => ({
  name: u.name,
  status: u.status,
  groups: [...u.groups],
  password_scheme: u.passwordScheme,
  updated_at: u.updatedAt,
});

function refused(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof UserInputError)) throw error;
  return sendProblem(
    reply,
    error.inUse ? 'already_exists' : 'bad_request',
    `${error.field}: ${error.message}`,
  );
}

export function registerUserRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['users'];
  const users = deps.users;
  const audit = (event: string, key: string | undefined, user: string, extra: object = {}) =>
    deps.logger.info({ event, key, user, ...extra }, 'user changed over the REST API');

  app.get<{ Querystring: { limit?: number; after?: string } }>(
    '/api/v2/users',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'List local users',
        tags,
        querystring: PageQuery,
        response: { 200: Page(UserSchema), ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const all = (await users.list()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return pageOf(all, request.query, (u) => u.name, wire);
    },
  );

  app.post<{
    Body: { name: string; password?: string; no_password?: boolean; groups?: string[]; disabled?: boolean };
  }>(
    '/api/v2/users',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Add a local user',
        description:
          'Rules as `assent user add`. No `password`: one is generated and returned once. `no_password: true`: ' +
          'no local password (a directory checks it; the record holds tokens and groups).',
        tags,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 253 }),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            no_password: Type.Optional(Type.Boolean()),
            groups: Type.Optional(Type.Array(Group, { maxItems: 100 })),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            {
              user: UserSchema,
              password: Type.Optional(Type.String({ description: 'Generated: shown once.' })),
            },
            { additionalProperties: false },
          ),
          ...problemResponses(400, 401, 409, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.no_password === true && b.password !== undefined) {
        return sendProblem(reply, 'bad_request', 'password: not with no_password');
      }
      try {
        const added = await users.add({
          name: b.name,
          password: b.no_password === true ? null : b.password,
          groups: b.groups,
          disabled: b.disabled,
        });
        audit('audit.user_added', request.apiKeyName, b.name);
        reply.header('location', `/api/v2/users/${encodeURIComponent(b.name)}`);
        return reply.code(201).send({
          user: wire(added.user),
          ...(added.generatedPassword === undefined ? {} : { password: added.generatedPassword }),
        });
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v2/users/:name',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'One local user',
        tags,
        params: NameParams,
        response: { 200: UserSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const found = await users.get(request.params.name);
      return found === undefined ? sendProblem(reply, 'not_found') : wire(found);
    },
  );

  app.patch<{ Params: { name: string }; Body: { status?: 'active' | 'disabled'; groups?: string[] } }>(
    '/api/v2/users/:name',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Enable, disable, or set the groups of a user',
        description: 'A disabled user gets the same Access-Reject as a wrong password; the log says why.',
        tags,
        params: NameParams,
        body: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
            groups: Type.Optional(Type.Array(Group, { maxItems: 100 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema, ...problemResponses(400, 401, 404, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      try {
        const changed = await users.update(request.params.name, request.body);
        if (changed === undefined) return sendProblem(reply, 'not_found');
        audit('audit.user_changed', request.apiKeyName, request.params.name, {
          change: Object.keys(request.body),
        });
        return wire(changed);
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v2/users/:name',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Remove a local user',
        tags,
        params: NameParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await users.remove(request.params.name))) return sendProblem(reply, 'not_found');
      audit('audit.user_removed', request.apiKeyName, request.params.name);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string }; Body: { password?: string } | undefined }>(
    '/api/v2/users/:name/password',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: "Set a user's password",
        description: 'No `password` (or no body): one is generated and returned once.',
        tags,
        params: NameParams,
        body: Type.Object(
          { password: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ password: Type.Optional(Type.String()) }, { additionalProperties: false }),
          ...problemResponses(400, 401, 404, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      try {
        const done = await users.setPassword(request.params.name, request.body?.password);
        if (done === undefined) return sendProblem(reply, 'not_found');
        audit('audit.user_password_set', request.apiKeyName, request.params.name);
        return done.generatedPassword === undefined ? {} : { password: done.generatedPassword };
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/v2/users/:name/unlock',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Clear a lockout',
        description:
          "Clears the account's failure count and lock and those of all its tokens (security.md A6.5), and lifts " +
          'a "this wasn\'t me" push mute (A7.8); also for directory users, who hold tokens, lockouts and mutes ' +
          'under their name. 404 when the name has none of these and no local user.',
        tags,
        params: NameParams,
        response: { 204: Type.Null({ description: 'Unlocked.' }), ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await users.unlock(request.params.name))) return sendProblem(reply, 'not_found');
      audit('audit.user_unlocked', request.apiKeyName, request.params.name);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v2/lockouts',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'Accounts with failed codes or a lock',
        tags,
        response: {
          200: Type.Array(
            Type.Object(
              {
                name: Type.String(),
                failures: Type.Integer(),
                locked_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
                locked: Type.Boolean(),
                locks: Type.Integer({ description: 'Locks since the last success or unlock.' }),
              },
              { additionalProperties: false },
            ),
          ),
          ...problemResponses(401, 429),
        },
      },
    },
    async () =>
      (await users.lockouts()).map((r) => ({
        name: r.name,
        failures: r.failures,
        locked_until: r.lockedUntil,
        locked: r.locked,
        locks: r.locks,
      })),
  );

  app.get(
    '/api/v2/groups',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'Local groups and how many users are in each',
        tags,
        response: {
          200: Type.Array(
            Type.Object({ name: Type.String(), members: Type.Integer() }, { additionalProperties: false }),
          ),
          ...problemResponses(401, 429),
        },
      },
    },
    async () => users.groups(),
  );
}
