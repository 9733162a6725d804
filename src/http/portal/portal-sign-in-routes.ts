// Owns the portal's session routes (docs/self-service.md): the session object, sign-in with the first factor, the
// second factor by code or push (a long poll), and sign-out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PortalSession } from '../../auth/portal-sessions.js';
import { Reason } from '../../domain/reason.js';
import {
  clearSessionCookie,
  cookieId,
  csrfMatches,
  emptyBody,
  foreignOrigin,
  lookUp,
  type PortalErrorCode,
  sendError,
  sessionView,
  setSessionCookie,
  signedOut,
} from './portal-guard.js';
import { type PortalRoutes, refuseCsrf, requireSession, sessionOf } from './portal-routes.js';

/** A long poll answers `pending` after this long, so no proxy or browser gives up on it first. */
const PUSH_WAIT_MS = 25_000;

/** Why a push could not be sent, as the portal says it. */
function pushStartError(reason: Reason): PortalErrorCode {
  return reason === Reason.PushMuted || reason === Reason.PushRateLimited || reason === Reason.PushPending
    ? 'push_limited'
    : 'push_unreachable';
}

/** How a push ended without approval, as the portal says it. */
function pushEndError(reason: Reason): PortalErrorCode {
  if (reason === Reason.PushTimeout) return 'push_timeout';
  if (reason === Reason.PushUndelivered) return 'push_unreachable';
  return 'push_denied';
}

export function registerPortalSignInRoutes(app: FastifyInstance, portal: PortalRoutes): void {
  const view = (session: PortalSession | undefined) =>
    sessionView(session, portal.sessions, portal.idleMinutes);
  const signedIn = (request: FastifyRequest, reply: FastifyReply, session: PortalSession, id?: string) => {
    if (id !== undefined) {
      setSessionCookie(reply, id);
      const fields = { user: session.user, src: request.ip, txn: session.txn, how: session.how };
      portal.logger.info({ event: 'audit.portal_signed_in', ...fields, enrollOnly: session.enrollOnly });
    }
    return reply.send(view(session));
  };
  const secondFactor = requireSession(portal, { stage: 'any', change: true });

  app.get('/session', async (request, reply) => {
    const found = await lookUp(request, portal.sessions, portal.now());
    if (found.ok) return reply.send(view(found.session));
    if (cookieId(request) !== undefined) clearSessionCookie(reply);
    return reply.send(view(undefined));
  });

  app.post<{ Body: { username: string; password: string } }>(
    '/sign-in',
    {
      schema: {
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 253 }),
            password: Type.String({ maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      // SECURITY A12.3: no session exists yet to hold a token; a JSON body (which no cross-site form can send
      // without a refused preflight) and the Origin check stand in for it.
      if (foreignOrigin(request)) return refuseCsrf(portal, request, reply, 'origin');
      const now = portal.now();
      if (!portal.signInLimiter.take(request.ip, now)) {
        reply.header('retry-after', String(Math.max(1, portal.signInLimiter.retryAfterSeconds(request.ip))));
        portal.logger.warn({ event: 'portal.sign_in_limited', src: request.ip });
        return sendError(reply, 'too_many_requests');
      }
      // A new sign-in replaces whatever session this browser held.
      const previous = await lookUp(request, portal.sessions, now);
      if (previous.ok) await portal.sessions.end(previous.session);
      const { username, password } = request.body;
      const result = await portal.signIn.password(username, password, request.ip);
      if (!result.ok) {
        // SECURITY A12.1: one answer for every failure; the log says which.
        portal.logger.warn({
          event: 'portal.sign_in_refused',
          user: result.user,
          src: request.ip,
          reason: result.reason,
        });
        clearSessionCookie(reply);
        return sendError(reply, 'sign_in_failed');
      }
      const session = result.session;
      if (session.stage === 'signed-in') return signedIn(request, reply, session, result.id);
      setSessionCookie(reply, result.id!);
      const fields = { user: session.user, src: request.ip, txn: session.txn, methods: session.methods };
      portal.logger.info({ event: 'portal.first_factor_passed', ...fields });
      return reply.send(view(session));
    },
  );

  app.post<{ Body: { code: string } }>(
    '/second-factor/code',
    {
      preHandler: secondFactor,
      schema: {
        body: Type.Object(
          { code: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const result = await portal.signIn.code(session, request.body.code, request.ip);
      if (result.ok) return signedIn(request, reply, result.session, result.id);
      const fields = { user: session.user, src: request.ip, txn: session.txn, reason: result.reason };
      portal.logger.warn({ event: 'portal.code_refused', ...fields, ended: result.ended });
      if (result.ended) return signedOut(reply, false);
      return sendError(reply, 'code_wrong');
    },
  );

  app.post('/second-factor/push', { preHandler: secondFactor }, async (request, reply) => {
    if (!emptyBody(request.body)) return sendError(reply, 'bad_request');
    const session = sessionOf(request);
    if (session.stage === 'signed-in') return reply.send(view(session));
    const started = await portal.signIn.startPush(session, request.ip);
    const fields = { user: session.user, src: request.ip, txn: session.txn };
    if (!started.ok) {
      portal.logger.warn({ event: 'portal.push_refused', ...fields, reason: started.reason });
      return sendError(reply, pushStartError(started.reason));
    }
    portal.logger.info({ event: 'portal.push_sent', ...fields, push: started.txn });
    return reply.send({ txn: started.txn, number: started.number });
  });

  app.get(
    '/second-factor/push',
    { preHandler: requireSession(portal, { stage: 'any', change: false }) },
    async (request, reply) => {
      const session = sessionOf(request);
      const waitMs = portal.pushWaitMs ?? PUSH_WAIT_MS;
      // The listener cuts idle connections after 10 s; this one is idle on purpose, for a while.
      const socket = request.raw.socket as { setTimeout?: (ms: number) => unknown } | undefined;
      if (typeof socket?.setTimeout === 'function') socket.setTimeout(waitMs + 5_000);
      const gone = new AbortController();
      reply.raw.on('close', () => gone.abort());
      const result = await portal.signIn.awaitPush(session, request.ip, waitMs, gone.signal);
      if (result.ok === true) return signedIn(request, reply, result.session, result.id);
      if (result.ok === 'pending') return reply.send({ state: 'pending' });
      if (result.ok === 'none') {
        return sendError(reply, 'not_found', { message: 'No sign-in request is waiting; send one first.' });
      }
      const fields = { user: session.user, src: request.ip, txn: session.txn, reason: result.reason };
      portal.logger.warn({ event: 'portal.push_failed', ...fields });
      return sendError(reply, pushEndError(result.reason));
    },
  );

  app.post('/sign-out', async (request, reply) => {
    if (foreignOrigin(request)) return refuseCsrf(portal, request, reply, 'origin');
    const found = await lookUp(request, portal.sessions, portal.now());
    if (found.ok) {
      if (!csrfMatches(request, found.session)) return refuseCsrf(portal, request, reply, 'token');
      await portal.sessions.end(found.session);
      const session = found.session;
      portal.logger.info({
        event: 'audit.portal_signed_out',
        user: session.user,
        src: request.ip,
        txn: session.txn,
      });
    }
    clearSessionCookie(reply);
    return reply.code(204).send();
  });
}
