// Owns `/api/v2/users/{name}/tokens` and `/api/v2/tokens/{serial}`: second factors and push devices of users.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { type NewOtpInput, TokenInputError, type TokenRow } from '../../admin/token-admin.js';
import type { ApiDeps } from './api-deps.js';
import { problemResponses, sendProblem } from './problem.js';

/** The token use cases (admin/token-admin.ts) bound to the server's stores and reply-to address. */
export interface TokenAdmin {
  list(user: string): Promise<TokenRow[]>;
  /** @throws TokenInputError */
  addOtp(input: NewOtpInput): Promise<{
    row: TokenRow;
    uri: string | undefined;
    backupCodes: readonly string[] | undefined;
  }>;
  /** @throws TokenInputError */
  addPush(user: string, label: string): Promise<{ url: string; expiresAt: string }>;
  remove(serial: string): Promise<boolean>;
  /** The renamed token's row, or undefined when no such serial. @throws TokenInputError for a refused label */
  rename(serial: string, label: string): Promise<TokenRow | undefined>;
}

const TokenSchema = Type.Object(
  {
    serial: Type.String({ description: '`ASNT…` for an OTP token, `ASNP…` for a push device.' }),
    user: Type.String(),
    type: Type.Union(['totp', 'hotp', 'backup', 'push'].map((t) => Type.Literal(t))),
    label: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    algorithm: Type.Optional(Type.String()),
    digits: Type.Optional(Type.Integer()),
    period: Type.Optional(Type.Integer()),
    failures: Type.Optional(Type.Integer()),
    locked_until: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    unused_codes: Type.Optional(Type.Integer({ description: 'Backup codes not used yet.' })),
    delivery: Type.Optional(
      Type.String({ description: 'How a push device is reached: `webpush`, `ntfy`, `poll`.' }),
    ),
    last_seen_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const wire = (t: TokenRow) =>
  t.type === 'push'
    ? {
        serial: t.serial,
        user: t.user,
        type: t.type,
        label: t.label,
        created_at: t.createdAt,
        delivery: t.delivery,
        last_seen_at: t.lastSeenAt,
      }
    : {
        serial: t.serial,
        user: t.user,
        type: t.type,
        label: t.label,
        created_at: t.createdAt,
        algorithm: t.algorithm,
        digits: t.digits,
        period: t.period,
        failures: t.failures,
        locked_until: t.lockedUntil,
        ...(t.unusedCodes === undefined ? {} : { unused_codes: t.unusedCodes }),
      };

const STATUS = { invalid: 'bad_request', not_found: 'not_found', conflict: 'already_exists' } as const;

export function registerTokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['tokens'];
  const tokens = deps.tokens;
  const UserParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }) });

  app.get<{ Params: { name: string } }>(
    '/api/v2/users/:name/tokens',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: "A user's tokens and push devices",
        description: 'Secrets, keys and subscriptions are never shown.',
        tags,
        params: UserParams,
        response: { 200: Type.Array(TokenSchema), ...problemResponses(401, 429) },
      },
    },
    async (request) => (await tokens.list(request.params.name)).map(wire),
  );

  app.post<{
    Params: { name: string };
    Body: {
      type: 'totp' | 'hotp' | 'backup' | 'push';
      digits?: number;
      period?: number;
      algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
      issuer?: string;
      label?: string;
      count?: number;
    };
  }>(
    '/api/v2/users/:name/tokens',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Enrol a token or a push device',
        description:
          'Rules as `assent token add`. TOTP/HOTP: the otpauth:// `uri` holds the secret and is returned once ' +
          '(show it as a QR code). Backup: the `backup_codes`, once. Push: a single-use `activation` link, valid ' +
          '10 minutes, for the authenticator to enroll with.',
        tags,
        params: UserParams,
        body: Type.Object(
          {
            type: Type.Union(['totp', 'hotp', 'backup', 'push'].map((t) => Type.Literal(t))),
            digits: Type.Optional(Type.Integer({ minimum: 6, maximum: 8 })),
            period: Type.Optional(Type.Integer({ minimum: 30, maximum: 60 })),
            algorithm: Type.Optional(Type.Union(['SHA1', 'SHA256', 'SHA512'].map((a) => Type.Literal(a)))),
            issuer: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            label: Type.Optional(Type.String({ maxLength: 64 })),
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            {
              token: Type.Optional(TokenSchema),
              uri: Type.Optional(Type.String()),
              backup_codes: Type.Optional(Type.Array(Type.String())),
              activation: Type.Optional(
                Type.Object(
                  { url: Type.String(), expires_at: Type.String({ format: 'date-time' }) },
                  { additionalProperties: false },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          ...problemResponses(400, 401, 404, 409, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const b = request.body;
      try {
        if (b.type === 'push') {
          const activation = await tokens.addPush(name, b.label ?? '');
          deps.logger.info(
            { event: 'audit.push_activation', key: request.apiKeyName, user: name },
            'activation link made over the REST API',
          );
          return reply
            .code(201)
            .send({ activation: { url: activation.url, expires_at: activation.expiresAt } });
        }
        const added = await tokens.addOtp({ user: name, ...b, type: b.type });
        deps.logger.info(
          {
            event: 'audit.token_added',
            key: request.apiKeyName,
            user: name,
            serial: added.row.serial,
            type: b.type,
          },
          'token added over the REST API',
        );
        return reply.code(201).send({
          token: wire(added.row),
          ...(added.uri === undefined ? {} : { uri: added.uri }),
          ...(added.backupCodes === undefined ? {} : { backup_codes: [...added.backupCodes] }),
        });
      } catch (error) {
        if (!(error instanceof TokenInputError)) throw error;
        return sendProblem(reply, STATUS[error.kind], `${error.field}: ${error.message}`);
      }
    },
  );

  app.patch<{ Params: { serial: string }; Body: { label: string } }>(
    '/api/v2/tokens/:serial',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Rename a token or push device',
        description:
          'Changes only the label (1–64 printable characters, trimmed): secrets, replay state and delivery stay. ' +
          'Users rename their own in the portal (docs/self-service.md).',
        tags,
        params: Type.Object({ serial: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object(
          { label: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: { 200: TokenSchema, ...problemResponses(400, 401, 404, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { serial } = request.params;
      let row: TokenRow | undefined;
      try {
        row = await tokens.rename(serial, request.body.label);
      } catch (error) {
        if (!(error instanceof TokenInputError)) throw error;
        return sendProblem(reply, STATUS[error.kind], `${error.field}: ${error.message}`);
      }
      if (row === undefined) return sendProblem(reply, 'not_found');
      deps.logger.info(
        { event: 'audit.token_renamed', key: request.apiKeyName, user: row.user, serial, label: row.label },
        'token renamed over the REST API',
      );
      return wire(row);
    },
  );

  app.delete<{ Params: { serial: string } }>(
    '/api/v2/tokens/:serial',
    {
      preHandler: deps.requireScope('admin'),
      schema: {
        summary: 'Remove a token, or revoke a push device',
        description: 'A push device (`ASNP…`) is revoked at once: its next answer or poll is refused.',
        tags,
        params: Type.Object({ serial: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null({ description: 'Removed.' }), ...problemResponses(401, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await tokens.remove(request.params.serial))) return sendProblem(reply, 'not_found');
      deps.logger.info(
        { event: 'audit.token_removed', key: request.apiKeyName, serial: request.params.serial },
        'token removed over the REST API',
      );
      return reply.code(204).send();
    },
  );
}
