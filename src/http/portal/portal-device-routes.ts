// Owns the portal's device routes (docs/self-service.md): the user's devices and tokens, adding a push device or an
// authenticator app (QR codes), renaming, removing, and new backup codes. Every change is an audit line.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import type { OwnDevice } from '../../admin/self-service.js';
import { checkLabel } from '../../admin/token-admin.js';
import { emptyBody, sendError } from './portal-guard.js';
import { type PortalRoutes, requireSession, sessionOf } from './portal-routes.js';

/** The optional body of the add routes: absent, `{}` or `{ "label": "…" }`; undefined when it is none of them. */
function labelIn(body: unknown): { label: string | undefined } | undefined {
  if (body === undefined) return { label: undefined };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { label, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || (label !== undefined && typeof label !== 'string')) return undefined;
  return { label };
}

/** The contract's Device: `unusedCodes` only for backup codes. */
const wire = (d: OwnDevice) => ({
  id: d.id,
  type: d.type,
  label: d.label,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt,
  ...(d.unusedCodes === undefined ? {} : { unusedCodes: d.unusedCodes }),
});

/** A label to store: the default when none was given, else one `checkLabel` accepts (it throws otherwise). */
const labelOr = (given: string | undefined, fallback: string) =>
  given === undefined || given.trim() === '' ? fallback : checkLabel(given);

export function registerPortalDeviceRoutes(app: FastifyInstance, portal: PortalRoutes): void {
  const { devices, logger } = portal;
  // SECURITY A12.5: a session signed in on the password alone may list and add, nothing else.
  const read = requireSession(portal, { stage: 'signed-in', change: false });
  const add = requireSession(portal, { stage: 'signed-in', change: true });
  const change = requireSession(portal, { stage: 'signed-in', change: true, fullOnly: true });
  const who = (request: FastifyRequest) => ({ user: sessionOf(request).user, src: request.ip });

  app.get('/devices', { preHandler: read }, async (request, reply) =>
    reply.send({
      devices: (await devices.list(sessionOf(request).user)).map(wire),
      canRemoveLast: devices.canRemoveLast,
    }),
  );

  app.post('/devices/push', { preHandler: add }, async (request, reply) => {
    const body = labelIn(request.body);
    if (body === undefined) return sendError(reply, 'bad_request');
    const label = labelOr(body.label, '');
    const activation = await devices.addPush(who(request).user, label);
    if (activation === undefined) return sendError(reply, 'push_unavailable');
    logger.info(
      { event: 'audit.portal_push_activation', ...who(request), label },
      'activation link made in the portal',
    );
    const qrSvg = await QRCode.toString(activation.url, { type: 'svg', margin: 2 });
    return reply.code(201).send({ activationUrl: activation.url, expiresAt: activation.expiresAt, qrSvg });
  });

  app.post('/devices/totp', { preHandler: add }, async (request, reply) => {
    const body = labelIn(request.body);
    if (body === undefined) return sendError(reply, 'bad_request');
    const label = labelOr(body.label, 'Authenticator app');
    const started = await devices.startTotp(who(request).user, label);
    // The secret is shown once and never logged (SECURITY A9.5).
    logger.info({ event: 'portal.totp_started', ...who(request), label });
    const qrSvg = await QRCode.toString(started.uri, { type: 'svg', margin: 2 });
    return reply.code(201).send({ ...started, qrSvg });
  });

  app.post<{ Body: { pendingId: string; code: string } }>(
    '/devices/totp/confirm',
    {
      preHandler: add,
      schema: {
        body: Type.Object(
          {
            pendingId: Type.String({ minLength: 1, maxLength: 64 }),
            code: Type.String({ minLength: 1, maxLength: 16 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const confirmed = await devices.confirmTotp(
        who(request).user,
        request.body.pendingId,
        request.body.code,
      );
      if (!confirmed.ok) {
        if (confirmed.why === 'not_found') return sendError(reply, 'not_found');
        logger.warn({ event: 'portal.totp_code_wrong', ...who(request) });
        return sendError(reply, 'code_wrong', { status: 400 });
      }
      const serial = confirmed.token.serial;
      logger.info(
        { event: 'audit.portal_token_added', ...who(request), serial, type: 'totp' },
        'token added in the portal',
      );
      const device = (await devices.list(who(request).user)).find((d) => d.id === serial);
      return reply.code(201).send({ device: device === undefined ? undefined : wire(device) });
    },
  );

  app.patch<{ Params: { id: string }; Body: { label: string } }>(
    '/devices/:id',
    {
      preHandler: change,
      schema: {
        body: Type.Object(
          { label: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const renamed = await devices.rename(who(request).user, request.params.id, request.body.label);
      if (renamed === undefined) return sendError(reply, 'not_found');
      logger.info({
        event: 'audit.portal_device_renamed',
        ...who(request),
        serial: renamed.id,
        label: renamed.label,
      });
      return reply.send({ device: wire(renamed) });
    },
  );

  app.delete<{ Params: { id: string } }>('/devices/:id', { preHandler: change }, async (request, reply) => {
    const result = await devices.remove(who(request).user, request.params.id);
    if (!result.ok) return sendError(reply, result.why);
    const { id, type } = result.removed;
    logger.info(
      { event: 'audit.portal_device_removed', ...who(request), serial: id, type },
      'removed in the portal',
    );
    return reply.code(204).send();
  });

  app.post('/backup-codes', { preHandler: add }, async (request, reply) => {
    if (!emptyBody(request.body)) return sendError(reply, 'bad_request');
    const made = await devices.replaceBackupCodes(who(request).user);
    logger.info(
      { event: 'audit.portal_backup_codes', ...who(request), serial: made.serial, revoked: made.revoked },
      'backup codes replaced in the portal',
    );
    return reply.code(201).send({ codes: [...made.codes], serial: made.serial });
  });
}
