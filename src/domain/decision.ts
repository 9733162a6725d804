// Owns the Decision value: what a use case concludes about one request, before any transport maps it.
import type { Reason } from './reason.js';
import type { SignInMethod } from './sign-in.js';

/**
 * A reply attribute by dictionary name (`'Fortinet-Group-Name'`, `'Class'`, `'Session-Timeout'`).
 * The transport resolves the name in its dictionary; the domain never sees wire numbers.
 */
export interface ReplyAttribute {
  readonly name: string;
  readonly value: string | number | Uint8Array;
}

/**
 * `transactionId` names one login across its requests (first factor, challenge, code) in every log line; State
 * is not used for that because it crosses the network in clear (docs/security.md A4.2).
 */
export type Decision =
  | {
      readonly kind: 'accept';
      readonly user: string;
      readonly attributes: readonly ReplyAttribute[];
      readonly transactionId?: string;
      /** How the login passed (the sign-in history's "how", issue 18); never sent on the wire. */
      readonly via?: SignInMethod;
    }
  | {
      readonly kind: 'reject';
      readonly reason: Reason;
      readonly user?: string;
      readonly transactionId?: string;
    }
  | {
      readonly kind: 'challenge';
      readonly user: string;
      readonly state: Uint8Array;
      readonly text: string;
      readonly transactionId: string;
      /** Why a second challenge was sent (a wrong code with attempts left); absent on the first. */
      readonly reason?: Reason;
      /** Seconds the State stays valid; sent as Session-Timeout (RFC 2865 §5.27). */
      readonly timeoutSeconds?: number;
    }
  | { readonly kind: 'pending'; readonly user: string; readonly transactionId: string }
  | { readonly kind: 'drop'; readonly reason: Reason };

/** An Accept; `via` is a field of the one object built, so saying how costs the hot path nothing more. */
export const accept = (
  user: string,
  attributes: readonly ReplyAttribute[] = [],
  transactionId?: string,
  via?: SignInMethod,
): Decision => {
  if (via === undefined) {
    return transactionId === undefined
      ? { kind: 'accept', user, attributes }
      : { kind: 'accept', user, attributes, transactionId };
  }
  return transactionId === undefined
    ? { kind: 'accept', user, attributes, via }
    : { kind: 'accept', user, attributes, transactionId, via };
};

export const reject = (reason: Reason, user?: string, transactionId?: string): Decision => {
  if (user === undefined) return { kind: 'reject', reason };
  return transactionId === undefined
    ? { kind: 'reject', reason, user }
    : { kind: 'reject', reason, user, transactionId };
};

export const drop = (reason: Reason): Decision => ({ kind: 'drop', reason });

/**
 * The one table from a Decision to what each transport answers (ARCHITECTURE §4): the RADIUS code (RFC 2865 §4:
 * 2 Access-Accept, 3 Access-Reject, 11 Access-Challenge; none: no reply yet, or never) and the HTTP status of the
 * REST API. A challenge over HTTP is a failure: the API takes both factors in one call.
 */
export const DECISION_REPLIES = {
  accept: { radius: 2, http: 200 },
  reject: { radius: 3, http: 401 },
  challenge: { radius: 11, http: 401 },
  pending: { radius: undefined, http: 202 },
  drop: { radius: undefined, http: 401 },
} as const satisfies Record<Decision['kind'], { radius: number | undefined; http: number }>;

/** Rejects that are the server's trouble, not the caller's: HTTP says so, RADIUS cannot (every Reject looks alike). */
export const REASON_HTTP_STATUS: Partial<Record<Reason, 500 | 503>> = {
  INTERNAL_ERROR: 500,
  DIRECTORY_UNAVAILABLE: 503,
  DIRECTORY_TIMEOUT: 503,
};
