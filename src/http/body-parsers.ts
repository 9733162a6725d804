// Owns the request bodies the listeners accept: strict JSON everywhere, URL-encoded forms where FortiAuthenticator's
// clients send them (SECURITY A8.7).
import type { FastifyInstance } from 'fastify';
import { parseStrictJson } from './strict-json.js';

/** A body refused before any route runs; the error handler answers it as 400 with the detail. */
const badBody = (detail: string) =>
  Object.assign(new Error(detail), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });

/** JSON only, strictly (no duplicate keys, bounded depth); any other content type is refused with 415. */
export function acceptStrictJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    // B5 #60: an empty body is no proof; the use case answers it like any other failed one.
    if (body === '') return done(null, undefined);
    const parsed = parseStrictJson(body as string);
    if (parsed.ok) done(null, parsed.value);
    else done(badBody(parsed.detail));
  });
}

/**
 * `application/x-www-form-urlencoded` in `scope` (FortiAuthenticator's routes, PROTOCOL §4): fields as strings; a
 * field twice is refused like a JSON key twice, so no reader picks one of two silently.
 */
export function acceptForm(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const fields: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(body as string)) {
        if (key in fields) {
          done(badBody(`duplicate field ${JSON.stringify(key.slice(0, 40))}`));
          return;
        }
        fields[key] = value;
      }
      done(null, fields);
    },
  );
}
