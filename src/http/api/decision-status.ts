// Owns turning a login Decision into the REST API's error code, from the one table in domain/decision.ts.
import { DECISION_REPLIES, type Decision, REASON_HTTP_STATUS } from '../../domain/decision.js';
import type { HttpErrorCode } from '../http-errors.js';

/**
 * The error code of a decision that is not an accept: the server's own trouble (500, 503) is said so, every other
 * failure is the same `authentication_failed` (SECURITY A6.7: a locked account looks like a wrong code).
 */
export function decisionStatus(decision: Decision): HttpErrorCode {
  const status =
    decision.kind === 'reject'
      ? (REASON_HTTP_STATUS[decision.reason] ?? DECISION_REPLIES.reject.http)
      : DECISION_REPLIES[decision.kind].http;
  if (status === 500) return 'internal_error';
  if (status === 503) return 'not_ready';
  return 'authentication_failed';
}
