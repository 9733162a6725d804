// Owns the portal's sign-in history routes (docs/self-service.md): the user's last sign-ins, and "this wasn't me",
// which has the effect of the same answer to a push: pushes to the user are muted and the report is audited.
import type { FastifyInstance } from 'fastify';
import type { SignIn } from '../../domain/sign-in.js';
import { emptyBody, sendError } from './portal-guard.js';
import { type PortalHistory, type PortalRoutes, requireSession, sessionOf } from './portal-routes.js';

/** The contract's sign-in row. */
const wire = (s: SignIn) => ({
  id: s.id,
  at: s.at,
  client: s.client,
  userIp: s.userIp,
  result: s.result,
  how: s.how,
  reason: s.reason,
  notMe: s.notMeAt !== null,
});

/** Ids are positive integers; anything else names no sign-in. */
const ID_PATTERN = /^[1-9]\d{0,14}$/;

export function registerPortalHistoryRoutes(
  app: FastifyInstance,
  portal: PortalRoutes,
  history: PortalHistory,
): void {
  // SECURITY A12.5: a session signed in on the password alone sees no history.
  const read = requireSession(portal, { stage: 'signed-in', change: false, fullOnly: true });
  const change = requireSession(portal, { stage: 'signed-in', change: true, fullOnly: true });

  app.get('/sign-ins', { preHandler: read }, async (request, reply) =>
    reply.send({ signIns: (await history.recent(sessionOf(request).user)).map(wire) }),
  );

  app.post<{ Params: { id: string } }>(
    '/sign-ins/:id/not-me',
    { preHandler: change },
    async (request, reply) => {
      if (!emptyBody(request.body)) return sendError(reply, 'bad_request');
      const user = sessionOf(request).user;
      const reported = ID_PATTERN.test(request.params.id)
        ? await history.notMe(user, Number(request.params.id))
        : undefined;
      if (reported === undefined) return sendError(reply, 'not_found');
      const { signIn, mutedUntil } = reported;
      // SECURITY A7.8, A12.8: as a "this wasn't me" answer to a push, logged for whoever watches the audit lines.
      portal.logger.warn(
        {
          event: 'audit.sign_in_not_me',
          user,
          src: request.ip,
          txn: signIn.txn,
          signIn: signIn.id,
          client: signIn.client,
          userIp: signIn.userIp,
          mutedUntil,
        },
        'user reported a sign-in they did not make; pushes to them are muted',
      );
      return reply.send({ mutedUntil });
    },
  );
}
