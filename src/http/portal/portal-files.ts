// Owns serving the user portal's app (dist/portal, built from src/web/portal) at /my/ with a strict CSP.
import type { FastifyInstance } from 'fastify';
import { type StaticFiles, securityHeaders, serveStaticFile } from '../web-authenticator.js';

/**
 * SECURITY A12.9: the app's own scripts and styles only, no inline code or eval; it talks to this origin alone
 * (`connect-src 'self'`); QR codes arrive as SVG text or `data:` images; nothing frames it.
 */
export const PORTAL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = securityHeaders(
  PORTAL_CONTENT_SECURITY_POLICY,
  'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
);

/** `GET /my/` (index.html, and `/my` redirected to it) and `GET /my/<file>`; the app routes by fragment. */
export function registerPortalFiles(app: FastifyInstance, files: StaticFiles): void {
  const index = files.get('index.html');
  // With ignoreTrailingSlash this route takes both /my and /my/; relative URLs need the slash.
  app.get('/my', async (request, reply) => {
    if (!request.url.startsWith('/my/')) return reply.redirect('/my/', 301);
    if (index === undefined) return reply.callNotFound();
    return serveStaticFile(request, reply, index, HEADERS);
  });
  app.get<{ Params: { file: string } }>('/my/:file', async (request, reply) => {
    const name = request.params.file;
    const file = /^[A-Za-z0-9._-]+$/.test(name) && name !== 'index.html' ? files.get(name) : undefined;
    if (file === undefined) return reply.callNotFound();
    return serveStaticFile(request, reply, file, HEADERS);
  });
}
