// Owns serving the web authenticator (docs/authenticator.md) on the public listener: the built files of
// dist/authenticator from memory with their content types, a strict Content-Security-Policy and cache validators,
// the server's hints for enrollment (config.json), and the redirect that turns an activation link opened in a
// browser into the app's "Add this account?" screen.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the app asks the server before enrolling: the VAPID key its push subscription needs (RFC 8292 §3.2). */
export interface WebAuthenticatorHints {
  readonly serverName: string;
  /** base64url, or empty when the server sends no Web Push (the app then enrolls to poll). */
  readonly vapidPublicKey: string;
}

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * SECURITY A10.2: scripts, styles and workers only from this origin, no inline code, nothing framed or framing.
 * `connect-src https:` because an account may live on another Assent server (its device routes answer CORS).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https:",
  "media-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers of an app's files: its CSP and permissions, and the companions of A10.2 (also the portal's, A12.9). */
export function securityHeaders(csp: string, permissions: string): Readonly<Record<string, string>> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': permissions,
  };
}

const SECURITY_HEADERS = securityHeaders(
  CONTENT_SECURITY_POLICY,
  'camera=(self), microphone=(), geolocation=(), payment=(), usb=()',
);

/** The app's files by name. */
export type StaticFiles = ReadonlyMap<string, StaticFile>;

/** An app's built files by name (the web authenticator's, the portal's); undefined when `dir` has no index.html. */
export function loadStaticFiles(dir: string): StaticFiles | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    // esbuild names lazily loaded chunks by content hash: they never change under the same name.
    files.set(name, { body, type, etag, immutable: /-[A-Z0-9]{8}\.js$/.test(name) });
  }
  return files;
}

/** The web authenticator's files (dist/authenticator). */
export const loadWebAuthenticator = loadStaticFiles;

/** Sends one built file with `headers`, its type and validators (a 304 when the browser's copy is current). */
export function serveStaticFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: StaticFile,
  headers: Readonly<Record<string, string>> = SECURITY_HEADERS,
) {
  reply.headers(headers);
  reply.header('content-type', file.type).header('etag', file.etag);
  // Everything else revalidates (a cheap 304): a new build must reach phones at their next start.
  reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.code(200).send(file.body);
}

/** Adds `/authenticator/…`, `/authenticator/config.json` and the activation link's browser redirect to `app`. */
export function registerWebAuthenticator(
  app: FastifyInstance,
  files: StaticFiles,
  hints: () => WebAuthenticatorHints,
): void {
  app.get('/authenticator/config.json', async (_request, reply) => {
    const { serverName, vapidPublicKey } = hints();
    reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store');
    return reply.send({ server_name: serverName, vapid_public_key: vapidPublicKey });
  });
  // With ignoreTrailingSlash this route takes both /authenticator and /authenticator/; relative URLs and the
  // worker's scope need the slash.
  app.get('/authenticator', async (request, reply) => {
    if (!request.url.startsWith('/authenticator/')) return reply.redirect('/authenticator/', 301);
    return serveStaticFile(request, reply, files.get('index.html')!);
  });
  app.get<{ Params: { '*': string } }>('/authenticator/*', async (request, reply) => {
    const name = request.params['*'];
    const file = /^[A-Za-z0-9._-]+$/.test(name) ? files.get(name) : undefined;
    if (file === undefined) return reply.callNotFound();
    return serveStaticFile(request, reply, file);
  });
  // A phone's camera app opens the activation QR's link in the browser: send it to the app, the code in the
  // fragment (never logged or sent on). Only POST uses the code up (docs/push.md §3).
  app.get<{ Params: { code: string } }>('/device/v1/activation/:code', async (request, reply) => {
    if (!/^[A-Za-z0-9_-]{22}$/.test(request.params.code)) return reply.callNotFound();
    reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store');
    return reply.redirect(`/authenticator/#/add/${request.params.code}`, 303);
  });
}

/**
 * CORS for the device routes and the hints (SECURITY A10.2): any origin, no credentials. Every device request
 * proves itself by a signature or a one-time code and carries no cookie, so a page elsewhere gains nothing it
 * could not do with curl; an app installed from one Assent server can hold accounts on another.
 */
export function allowCrossOrigin(app: FastifyInstance): void {
  const shared = (url: string) => url.startsWith('/device/v1/') || url === '/authenticator/config.json';
  app.addHook('onSend', async (request, reply, payload) => {
    if (shared(request.url)) reply.header('access-control-allow-origin', '*');
    return payload;
  });
  app.options('/device/v1/*', async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '600')
      .send(),
  );
}
