// Owns the transport-neutral shape of one first-factor login attempt, as a use case receives it.
import type { Reason } from '../domain/reason.js';
import type { RequestContext } from '../domain/request-context.js';

/** How the caller proved the first factor, as far as the transport could tell. */
export type Credential =
  | { readonly kind: 'password'; readonly password: Uint8Array }
  | { readonly kind: 'chap' }
  | { readonly kind: 'eap' }
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly reason: Reason };

/**
 * One login attempt. `userName` is undefined when the transport found a problem with it; `userNameProblem`
 * then says which (missing, duplicated, invalid), so the use case can decide and log one reason.
 */
export interface LoginRequest extends RequestContext {
  readonly userName: string | undefined;
  readonly userNameProblem: Reason | undefined;
  readonly credential: Credential;
  /** The State attribute echoed from an Access-Challenge (RFC 2865 §5.24), if any. */
  readonly state: Uint8Array | undefined;
  /** The NAS as configured (its name), for logs and policy. */
  readonly clientName: string;
  /**
   * Calling-Station-Id (RFC 2865 §5.31) as received: where the user is, shown on the phone with a push (SECURITY
   * A7.9). Kept as octets so a login that never pushes decodes nothing.
   */
  readonly callingStationId?: Uint8Array | undefined;
  /** Epoch ms after which the NAS no longer waits for this request (arrival + the client's NAS timeout). */
  readonly deadline?: number | undefined;
  /**
   * Names this request on every log line about it (issue 12 item 11). A challenge keeps the one of the request
   * that opened it, so both steps of a login share it.
   */
  readonly transactionId?: string | undefined;
}
