// Owns the user portal on the public listener (docs/self-service.md, SECURITY A12): the port its routes are served
// from, the JSON API's scope under /my/api/ (errors, no-store, guards) and the app's files at /my/.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ConfirmedTotp, StartedTotp } from '../../admin/pending-totps.js';
import type { OwnDevice, RemoveOwnResult } from '../../admin/self-service.js';
import { TokenInputError } from '../../admin/token-admin.js';
import type { PortalSession, PortalSessions } from '../../auth/portal-sessions.js';
import type { PortalSignIn } from '../../auth/portal-sign-in.js';
import type { SignIn } from '../../domain/sign-in.js';
import { codeOfError } from '../http-errors.js';
import type { StaticFiles } from '../web-authenticator.js';
import { registerPortalDeviceRoutes } from './portal-device-routes.js';
import { registerPortalFiles } from './portal-files.js';
import { csrfMatches, foreignOrigin, lookUp, sendError, signedOut } from './portal-guard.js';
import { registerPortalHistoryRoutes } from './portal-history-routes.js';
import { registerPortalSignInRoutes } from './portal-sign-in-routes.js';

/** The user's own devices and tokens (admin/self-service.ts), bound to the server's stores. */
export interface PortalDevices {
  list(user: string): Promise<OwnDevice[]>;
  /** A single-use activation link (SECURITY A8.9); undefined when push is off. @throws TokenInputError */
  addPush(user: string, label: string): Promise<{ url: string; expiresAt: string } | undefined>;
  /** @throws StoreError when the pending table cannot be written */
  startTotp(user: string, label: string): Promise<StartedTotp>;
  /** @throws TokenInputError */
  confirmTotp(user: string, pendingId: string, code: string): Promise<ConfirmedTotp>;
  /** @throws TokenInputError for a refused label */
  rename(user: string, id: string, label: string): Promise<OwnDevice | undefined>;
  remove(user: string, id: string): Promise<RemoveOwnResult>;
  replaceBackupCodes(
    user: string,
  ): Promise<{ serial: string; codes: readonly string[]; revoked: readonly string[] }>;
  /** `portal.allowRemovingLast`. */
  readonly canRemoveLast: boolean;
}

/** The user's sign-in history (domain/sign-in.ts). */
export interface PortalHistory {
  /** The user's newest sign-ins, newest first. */
  recent(user: string): Promise<SignIn[]>;
  /** "This wasn't me": marks it and mutes pushes to the user; undefined when not the user's. */
  notMe(user: string, id: number): Promise<{ signIn: SignIn; mutedUntil: string } | undefined>;
}

/** What the portal's routes run on; built by src/portal-wiring.ts. */
export interface PortalRoutes {
  readonly sessions: PortalSessions;
  readonly signIn: PortalSignIn;
  readonly devices: PortalDevices;
  /** Absent until a sign-in store is wired: the history routes are not served then. */
  readonly history?: PortalHistory | undefined;
  readonly idleMinutes: number;
  readonly logger: Logger;
  /** Epoch ms; injectable for tests of the timeouts. */
  readonly now: () => number;
  /** How long `GET …/second-factor/push` holds the request (25 s). */
  readonly pushWaitMs?: number;
  /** Sign-in attempts per source address (SECURITY A12.4): `take` is false when the budget is spent. */
  readonly signInLimiter: {
    take(address: string, now: number): boolean;
    retryAfterSeconds(address: string): number;
  };
}

/** What a route asks of the request's session before it runs. */
export interface SessionNeed {
  /** `any`: either stage (a second-factor call after the sign-in finished answers the signed-in session). */
  readonly stage: 'any' | 'signed-in';
  /** A state change: Origin and CSRF token are checked (SECURITY A12.3). */
  readonly change: boolean;
  /** Refused to a session that signed in on the password alone to enrol (SECURITY A12.5). */
  readonly fullOnly?: boolean;
}

const sessionOfRequest = new WeakMap<FastifyRequest, PortalSession>();

/** The session the route's guard found (only inside a guarded route). */
export function sessionOf(request: FastifyRequest): PortalSession {
  const session = sessionOfRequest.get(request);
  if (session === undefined) throw new Error('route has no session guard');
  return session;
}

/** A preHandler enforcing `need`; the session is then `sessionOf(request)`. */
export function requireSession(portal: PortalRoutes, need: SessionNeed) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (need.change && foreignOrigin(request)) return refuseCsrf(portal, request, reply, 'origin');
    const found = await lookUp(request, portal.sessions, portal.now());
    if (!found.ok) return signedOut(reply, found.expired);
    const session = found.session;
    // A session still in its second-factor stage holds no rights yet; it is not ended by asking.
    if (need.stage === 'signed-in' && session.stage !== 'signed-in') return sendError(reply, 'signed_out');
    if (need.change && !csrfMatches(request, session)) return refuseCsrf(portal, request, reply, 'token');
    if (need.fullOnly && session.enrollOnly) return sendError(reply, 'enroll_only');
    sessionOfRequest.set(request, session);
    return undefined;
  };
}

export function refuseCsrf(portal: PortalRoutes, request: FastifyRequest, reply: FastifyReply, why: string) {
  portal.logger.warn({ event: 'portal.csrf_refused', why, src: request.ip, route: request.routeOptions.url });
  return sendError(reply, 'csrf');
}

/** Adds the portal's API under /my/api/ and, when built, its app at /my/ to the public listener. */
export function registerPortal(
  app: FastifyInstance,
  portal: PortalRoutes,
  files: StaticFiles | undefined,
): void {
  if (files !== undefined) registerPortalFiles(app, files);
  app.register(
    // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin (its documented form)
    async (scope) => {
      scope.addHook('onSend', async (_request, reply, payload) => {
        reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
        return payload;
      });
      scope.setErrorHandler((error, request, reply) => {
        // A label or token the rules refuse (admin/token-admin.ts): the message says what to change.
        if (error instanceof TokenInputError)
          return sendError(reply, 'bad_request', {
            message: `The ${error.field} is not right: ${error.message}.`,
          });
        const code = codeOfError(error as { code?: unknown; statusCode?: unknown });
        if (code === 'internal_error') {
          portal.logger.error(
            { event: 'portal.error', err: error, route: request.routeOptions.url },
            'failed',
          );
        }
        if (code === 'payload_too_large' || code === 'unsupported_media_type' || code === 'internal_error')
          return sendError(reply, code);
        return sendError(reply, 'bad_request');
      });
      scope.setNotFoundHandler((_request, reply) => sendError(reply, 'not_found'));
      registerPortalSignInRoutes(scope, portal);
      registerPortalDeviceRoutes(scope, portal);
      if (portal.history !== undefined) registerPortalHistoryRoutes(scope, portal, portal.history);
    },
    { prefix: '/my/api' },
  );
}
