// Owns the one table from error codes to HTTP statuses, and the bodies both listeners answer with.

/** Every error a listener answers, with its status (SECURITY A8.6, A8.7; docs/push.md). */
export const HttpError = {
  bad_request: 400,
  unauthorized: 401,
  authentication_failed: 401,
  not_found: 404,
  method_not_allowed: 405,
  already_decided: 409,
  already_exists: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  idempotency_key_reused: 422,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
  delivery_refused: 500,
  not_ready: 503,
  delivery_unreachable: 503,
} as const;
export type HttpErrorCode = keyof typeof HttpError;

/** The status and JSON body of `code`; `detail` only where it helps a client fix its request (never a secret). */
export function httpError(
  code: HttpErrorCode,
  detail?: string,
): { status: number; body: Record<string, string> } {
  return { status: HttpError[code], body: detail === undefined ? { error: code } : { error: code, detail } };
}

/** Fastify's own error codes for what the framework refuses before a route runs. */
const FASTIFY_ERRORS: Readonly<Record<string, HttpErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'bad_request',
};

/** The code for an error thrown inside the framework or a route; anything unknown is an internal error. */
export function codeOfError(error: { code?: unknown; statusCode?: unknown }): HttpErrorCode {
  if (typeof error.code === 'string' && FASTIFY_ERRORS[error.code] !== undefined)
    return FASTIFY_ERRORS[error.code]!;
  if (error.statusCode === 400) return 'bad_request';
  return 'internal_error';
}
