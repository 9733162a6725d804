// Owns the REST API's error bodies: RFC 9457 problem details, built from the one error table (http-errors.ts).
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { HttpError, type HttpErrorCode } from '../http-errors.js';

/** RFC 9457 §3.1 members plus `code`, the stable name clients branch on (docs/api.md "Errors"). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'Always `about:blank`: the status and `code` say it all (RFC 9457 §4.2.1).',
    }),
    title: Type.String({ description: 'The HTTP reason phrase of the status.' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ description: 'A stable error code from docs/api.md "Errors".' }),
    detail: Type.Optional(
      Type.String({ description: 'What to fix in the request, when it helps; never a secret.' }),
    ),
  },
  { additionalProperties: false, description: 'RFC 9457 problem details.' },
);

/** RFC 9110 §15 reason phrases of the statuses the API answers with. */
const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  readonly type: 'about:blank';
  readonly title: string;
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly detail?: string;
}

export function problem(code: HttpErrorCode, detail?: string): Problem {
  const status = HttpError[code];
  const base = { type: 'about:blank' as const, title: TITLES[status] ?? 'Error', status, code };
  return detail === undefined ? base : { ...base, detail };
}

/** Sends `code` as `application/problem+json` (RFC 9457 §3), never cached. */
export function sendProblem(reply: FastifyReply, code: HttpErrorCode, detail?: string): FastifyReply {
  const body = problem(code, detail);
  return reply
    .code(body.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);
}

/** RFC 9110 §15 reason phrases double as the OpenAPI response descriptions. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/** OpenAPI response entries for error statuses: each an `application/problem+json` Problem. */
export function problemResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses) {
    out[status] = {
      description: statusTitle(status),
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

/** A success-shaped body and a Problem under one status (a 401 that is a decision, or a refused key). */
export function bodyOrProblem(status: number, schema: unknown): Record<number, unknown> {
  return {
    [status]: {
      description: statusTitle(status),
      content: {
        'application/json': { schema },
        'application/problem+json': { schema: ProblemSchema },
      },
    },
  };
}
