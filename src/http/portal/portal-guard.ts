// Owns the portal API's guards and replies (SECURITY A12): the session cookie, the CSRF and Origin checks, the error
// table with a sentence a user can read, and the session object the app is told.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type PortalSession, type PortalSessions, sameSecret } from '../../auth/portal-sessions.js';

/** `__Host-`: only set over HTTPS, for this host alone, path `/` (RFC 6265bis §4.1.3.2): no subdomain can plant it. */
export const SESSION_COOKIE = '__Host-assent-my';
const COOKIE_ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Strict';

/** Every error the portal API answers: status and what the user is told (docs/self-service.md). */
export const PortalError = {
  bad_request: [400, 'The request was not understood; reload the page and try again.'],
  code_wrong: [401, 'That code is not right. Type the code your app shows now.'],
  sign_in_failed: [401, 'The name or password is not right, or the account cannot sign in now.'],
  signed_out: [401, 'You are not signed in; sign in again.'],
  push_denied: [401, 'The sign-in was denied on your phone.'],
  push_timeout: [401, 'Your phone did not answer in time. Try again, or type a code.'],
  csrf: [403, 'This request did not come from the portal page; reload it and try again.'],
  enroll_only: [403, 'Sign in with your second factor to do this.'],
  not_found: [404, 'Not found: it was removed, has expired or never existed.'],
  last_device: [409, 'This is your only way to sign in. Add another first.'],
  push_unavailable: [409, 'This server does not send sign-in requests to phones.'],
  payload_too_large: [413, 'The request is too large.'],
  unsupported_media_type: [415, 'The request must be JSON.'],
  too_many_requests: [429, 'Too many attempts from your address. Wait a minute and try again.'],
  push_limited: [429, 'No more requests can be sent to your phone now. Wait a few minutes, or type a code.'],
  internal_error: [500, 'Something went wrong on the server. Try again later.'],
  push_unreachable: [503, 'Your phone cannot be reached now. Type a code instead.'],
} as const satisfies Record<string, readonly [number, string]>;
export type PortalErrorCode = keyof typeof PortalError;

/** A session that timed out is told so, not merely "signed out". */
export const SESSION_ENDED = 'Your session ended; sign in again.';

export function sendError(
  reply: FastifyReply,
  code: PortalErrorCode,
  options: { status?: number; message?: string } = {},
): FastifyReply {
  const [status, message] = PortalError[code];
  return reply.code(options.status ?? status).send({ error: code, message: options.message ?? message });
}

/** The id in the request's session cookie (the first one, should a client send two). */
export function cookieId(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === SESSION_COOKIE) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(reply: FastifyReply, id: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${id}; ${COOKIE_ATTRIBUTES}`);
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`);
}

/**
 * SECURITY A12.3: a request another site made. An `Origin` must be this listener's own (`https://<Host>`); a
 * browser's `Sec-Fetch-Site` must not say cross-site or same-site (a sibling subdomain is another site's page).
 */
export function foreignOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const host = request.headers.host;
    if (host === undefined || origin.toLowerCase() !== `https://${host.toLowerCase()}`) return true;
  }
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/** The CSRF header matches the session's token (constant time, SECURITY A12.3). */
export function csrfMatches(request: FastifyRequest, session: PortalSession): boolean {
  const sent = request.headers['x-csrf-token'];
  return typeof sent === 'string' && sameSecret(sent, session.csrf);
}

export type Lookup =
  | { readonly ok: true; readonly session: PortalSession }
  | { readonly ok: false; readonly expired: boolean };

/** The request's live session (touched), or why there is none: one read of the shared table. */
export async function lookUp(
  request: FastifyRequest,
  sessions: PortalSessions,
  now: number,
): Promise<Lookup> {
  const found = await sessions.find(cookieId(request), now);
  if (found.kind === 'found') return { ok: true, session: found.session };
  return { ok: false, expired: found.kind === 'expired' };
}

/** 401 `signed_out` (the cookie cleared); an expired session is told it ended. */
export function signedOut(reply: FastifyReply, expired: boolean): FastifyReply {
  clearSessionCookie(reply);
  return sendError(reply, 'signed_out', expired ? { message: SESSION_ENDED } : {});
}

/** The session object of the contract: what the app shows and the CSRF token it sends back. */
export function sessionView(
  session: PortalSession | undefined,
  sessions: PortalSessions,
  idleMinutes: number,
): Record<string, unknown> {
  if (session === undefined) return { state: 'signed-out' };
  if (session.stage === 'second-factor') {
    return { state: 'second-factor', user: session.user, methods: [...session.methods], csrf: session.csrf };
  }
  return {
    state: 'signed-in',
    user: session.user,
    csrf: session.csrf,
    how: session.how,
    enrollOnly: session.enrollOnly,
    expiresAt: new Date(sessions.expiresAt(session)).toISOString(),
    idleMinutes,
  };
}

/** A body that must be empty: absent, or `{}`. */
export function emptyBody(body: unknown): boolean {
  return body === undefined || (typeof body === 'object' && body !== null && Object.keys(body).length === 0);
}
