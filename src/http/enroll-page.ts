// Owns the page behind an enrollment-at-login link (`/e/<code>`, issue 18): server-rendered HTML with two choices,
// each a POST form (a link preview's GET spends and reveals nothing), the TOTP key as a QR code, and the plain 404.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { EnrollAtLogin, Enrollment, TotpOffer } from '../auth/enroll-at-login.js';
import { StoreError } from '../domain/ports.js';
import { acceptForm } from './body-parsers.js';

/** What the page needs from enrollment at login. */
export type EnrollmentPageRoutes = Pick<EnrollAtLogin, 'open' | 'choosePhone' | 'chooseTotp'>;

/** The page's only style, inline and allowed by its hash: no other file to serve, no inline script anywhere. */
const STYLE = [
  ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45}',
  'body{margin:0;background:#f6f7f9;color:#1b1f24}',
  '@media (prefers-color-scheme:dark){body{background:#14171c;color:#e6e8eb}}',
  'main{max-width:30rem;margin:0 auto;padding:1.5rem 1rem}',
  'h1{font-size:1.4rem;margin:0 0 .75rem}',
  'form{margin:1.25rem 0}',
  'button{width:100%;font:inherit;font-weight:600;padding:.85rem 1rem;border-radius:.6rem;border:0;background:#1f5fbf;color:#fff}',
  'button.second{background:transparent;color:inherit;border:2px solid currentColor}',
  '.hint{font-size:.9rem;opacity:.8;margin:.4rem 0 0}',
  '.qr{background:#fff;padding:.75rem;border-radius:.6rem;max-width:18rem;margin:1rem auto}',
  '.qr svg{display:block;width:100%;height:auto}',
  'code{display:block;margin-top:.3rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.1rem;overflow-wrap:anywhere}',
].join('\n');

/**
 * SECURITY A11.5: nothing runs on this page; its forms post to this origin only (form-action also governs where
 * the "Use this phone" answer may redirect); it is never framed and sends no Referer (the link is in the URL).
 */
export const ENROLL_PAGE_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': ENROLL_PAGE_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

const NOT_FOUND = 'This sign-in setup link is unknown, used or expired. Sign in again for a new one.\n';
const UNAVAILABLE = 'Sign-in setup cannot be reached right now. Try the link again in a minute.\n';

/** HTML text and attribute values: the five characters that could end either. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function page(title: string, body: string): string {
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n` +
    `<body><main>\n<h1>${escapeHtml(title)}</h1>\n${body}\n</main></body></html>\n`
  );
}

function minutesLeft(expiresAt: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((expiresAt - now) / 60_000));
  return minutes === 1 ? '1 more minute' : `${minutes} more minutes`;
}

/** The two choices; `code` is the link's (already checked against the code pattern, escaped all the same). */
export function choicePage(code: string, enrollment: Enrollment, now: number): string {
  const action = (choice: string) => `/e/${encodeURIComponent(code)}/${choice}`;
  return page(
    'Set up two-step sign-in',
    `<p>For <strong>${escapeHtml(enrollment.userName)}</strong>. This link works for ` +
      `${minutesLeft(enrollment.expiresAt, now)}; choose one:</p>\n` +
      `<form method="post" action="${escapeHtml(action('phone'))}">` +
      '<button type="submit">Use this phone as the authenticator</button>' +
      '<p class="hint">Adds the Assent web authenticator in this browser. Then press Enter at the sign-in ' +
      'prompt and approve the request that appears here.</p></form>\n' +
      `<form method="post" action="${escapeHtml(action('totp'))}">` +
      '<button type="submit" class="second">Use an authenticator app (TOTP)</button>' +
      '<p class="hint">Shows a QR code for an app such as Aegis, FreeOTP or Google Authenticator. Then type ' +
      "the app's code at the sign-in prompt.</p></form>",
  );
}

/** The TOTP key: the QR code (inline SVG, no script, no image request) and the key as text in groups of four. */
export async function totpPage(offer: TotpOffer, now: number): Promise<string> {
  const svg = await QRCode.toString(offer.uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  const grouped = offer.secret.replace(/(.{4})(?=.)/g, '$1 ');
  return page(
    'Scan this with your authenticator app',
    `<div class="qr">${svg}</div>\n` +
      `<p>Or type this key into the app: <code id="secret">${escapeHtml(grouped)}</code></p>\n` +
      `<p>Account <strong>${escapeHtml(offer.userName)}</strong>, issuer ${escapeHtml(offer.issuer)}, ` +
      'time-based, 6 digits, every 30 seconds.</p>\n' +
      "<p><strong>Then type the app's code at the sign-in prompt.</strong> The key is kept only until that " +
      `code arrives, for ${minutesLeft(offer.expiresAt, now)}; choosing again shows a new key and the old one ` +
      'stops working.</p>',
  );
}

function notFound(reply: FastifyReply) {
  return reply.code(404).headers(HEADERS).type('text/plain; charset=utf-8').send(NOT_FOUND);
}

/**
 * The links live in the database (docs/storage.md): when it cannot be read or written the page says so plainly,
 * as a 503 a user may retry, and the link is as it was; anything else goes to the listener's error handler.
 */
async function orUnavailable(
  request: FastifyRequest,
  reply: FastifyReply,
  handle: () => Promise<FastifyReply>,
) {
  try {
    return await handle();
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    request.log.error(
      { event: 'enroll.store_unavailable', err: error },
      'an enrollment link could not be read',
    );
    return reply.code(503).headers(HEADERS).type('text/plain; charset=utf-8').send(UNAVAILABLE);
  }
}

/** Adds `GET /e/:code` (the choices) and its two `POST`s to `app`. */
export function registerEnrollPage(app: FastifyInstance, routes: EnrollmentPageRoutes): void {
  // Opening the page uses nothing: a link preview, a scanner or a second look shows the same two choices.
  app.get<{ Params: { code: string } }>('/e/:code', (request, reply) =>
    orUnavailable(request, reply, async () => {
      const now = Date.now();
      const enrollment = await routes.open(request.params.code, request.ip, now);
      if (enrollment === undefined) return notFound(reply);
      const code = request.params.code.toUpperCase();
      return reply
        .headers(HEADERS)
        .type('text/html; charset=utf-8')
        .send(choicePage(code, enrollment, now));
    }),
  );
  // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin (its documented form)
  app.register(async (scope) => {
    // A browser posts the forms as (empty) URL-encoded bodies.
    acceptForm(scope);
    scope.post<{ Params: { code: string } }>('/e/:code/phone', (request, reply) =>
      orUnavailable(request, reply, async () => {
        const chosen = await routes.choosePhone(request.params.code, request.ip, Date.now());
        if (chosen === undefined) return notFound(reply);
        // The activation code goes in the fragment: the app's files are fetched without it (docs/push.md §3).
        return reply.headers(HEADERS).redirect(`/authenticator/#/add/${chosen.activationCode}`, 303);
      }),
    );
    scope.post<{ Params: { code: string } }>('/e/:code/totp', (request, reply) =>
      orUnavailable(request, reply, async () => {
        const now = Date.now();
        const offer = await routes.chooseTotp(request.params.code, request.ip, now);
        if (offer === undefined) return notFound(reply);
        return reply
          .headers(HEADERS)
          .type('text/html; charset=utf-8')
          .send(await totpPage(offer, now));
      }),
    );
  });
}
