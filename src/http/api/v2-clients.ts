// Owns `/api/v2/clients`: RADIUS clients over the REST API; a change reaches the running server at once (no SIGHUP).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  type ClientAdded,
  type ClientInput,
  ClientInputError,
  type ClientView,
} from '../../admin/client-admin.js';
import type { ApiDeps } from './api-deps.js';
import { Page, PageQuery, pageOf } from './pagination.js';
import { problemResponses, sendProblem } from './problem.js';

/** The client use cases (admin/client-admin.ts) with the running server's table refreshed after each change. */
export interface ClientAdmin {
  list(): Promise<ClientView[]>;
  get(name: string): Promise<ClientView | undefined>;
  /** @throws ClientInputError */
  add(input: ClientInput): Promise<ClientAdded>;
  remove(name: string): Promise<boolean>;
  rotateSecret(name: string): Promise<string | undefined>;
}

const ClientSchema = Type.Object(
  {
    name: Type.String(),
    address: Type.String({ description: 'An IP address or CIDR block (IPv4 or IPv6).' }),
    require_message_authenticator: Type.Boolean(),
    limit_proxy_state: Type.Boolean(),
    nas_timeout: Type.Integer({ description: 'Seconds the NAS waits for a reply.' }),
    secret_octets: Type.Integer({
      description: 'Length of the shared secret; the secret itself is never shown.',
    }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const NewClientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    address: Type.String({ minLength: 1, maxLength: 64 }),
    secret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Absent: 24 random octets, returned once.' }),
    ),
    require_message_authenticator: Type.Optional(Type.Boolean({ default: true })),
    limit_proxy_state: Type.Optional(Type.Boolean({ default: true })),
    nas_timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, default: 60 })),
    force_short_secret: Type.Optional(Type.Boolean({ description: 'Accept a secret of 8 octets or fewer.' })),
  },
  { additionalProperties: false },
);

const Added = Type.Object(
  {
    client: ClientSchema,
    secret: Type.Optional(Type.String({ description: 'The generated shared secret: shown this once.' })),
    warnings: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const wire = (c: ClientView) => ({
  name: c.name,
  address: c.address,
  require_message_authenticator: c.requireMessageAuthenticator,
  limit_proxy_state: c.limitProxyState,
  nas_timeout: c.nasTimeout,
  secret_octets: c.secretOctets,
  created_at: c.createdAt,
});

const SNAKE: Readonly<Record<string, string>> = { nasTimeout: 'nas_timeout' };

export function registerClientRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['clients'];
  const clients = deps.clients;

  app.get<{ Querystring: { limit?: number; after?: string } }>(
    '/api/v2/clients',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'List RADIUS clients',
        tags,
        querystring: PageQuery,
        response: { 200: Page(ClientSchema), ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const all = (await clients.list()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return pageOf(all, request.query, (c) => c.name, wire);
    },
  );

  app.post<{ Body: Record<string, unknown> & { name: string; address: string } }>(
    '/api/v2/clients',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Add a RADIUS client',
        description: 'The running server answers the new client at once. Rules as `assent client add`.',
        tags,
        body: NewClientBody,
        response: { 201: Added, ...problemResponses(400, 401, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const b = request.body as {
        name: string;
        address: string;
        secret?: string;
        require_message_authenticator?: boolean;
        limit_proxy_state?: boolean;
        nas_timeout?: number;
        force_short_secret?: boolean;
      };
      try {
        const added = await clients.add({
          name: b.name,
          address: b.address,
          secret: b.secret,
          requireMessageAuthenticator: b.require_message_authenticator,
          limitProxyState: b.limit_proxy_state,
          nasTimeout: b.nas_timeout,
          forceShortSecret: b.force_short_secret,
        });
        deps.logger.info(
          { event: 'audit.client_added', key: request.apiKeyName, client: b.name, address: b.address },
          'RADIUS client added over the REST API',
        );
        reply.header('location', `/api/v2/clients/${encodeURIComponent(b.name)}`);
        return reply.code(201).send({
          client: wire(added.client),
          ...(added.generatedSecret === undefined ? {} : { secret: added.generatedSecret }),
          warnings: added.warnings,
        });
      } catch (error) {
        if (!(error instanceof ClientInputError)) throw error;
        const field = SNAKE[error.field] ?? error.field;
        return sendProblem(
          reply,
          error.inUse ? 'already_exists' : 'bad_request',
          `${field}: ${error.message}`,
        );
      }
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v2/clients/:name',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'One RADIUS client',
        tags,
        params: NameParams,
        response: { 200: ClientSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const found = await clients.get(request.params.name);
      return found === undefined ? sendProblem(reply, 'not_found') : wire(found);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v2/clients/:name',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Remove a RADIUS client',
        description: 'Its requests are dropped from the next packet on.',
        tags,
        params: NameParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await clients.remove(request.params.name))) return sendProblem(reply, 'not_found');
      deps.logger.info(
        { event: 'audit.client_removed', key: request.apiKeyName, client: request.params.name },
        'RADIUS client removed over the REST API',
      );
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/v2/clients/:name/secret',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: "Rotate a client's shared secret",
        description: 'A new random secret, returned once; the old one stops working at once.',
        tags,
        params: NameParams,
        response: {
          200: Type.Object({ secret: Type.String() }, { additionalProperties: false }),
          ...problemResponses(401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const secret = await clients.rotateSecret(request.params.name);
      if (secret === undefined) return sendProblem(reply, 'not_found');
      deps.logger.info(
        { event: 'audit.client_secret_rotated', key: request.apiKeyName, client: request.params.name },
        'RADIUS client secret rotated over the REST API',
      );
      return { secret };
    },
  );
}
