// Owns the Decision value: what a use case concludes about one request, before any transport maps it.
import type { Reason } from './reason.js';

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

export const accept = (
  user: string,
  attributes: readonly ReplyAttribute[] = [],
  transactionId?: string,
): Decision =>
  transactionId === undefined
    ? { kind: 'accept', user, attributes }
    : { kind: 'accept', user, attributes, transactionId };

export const reject = (reason: Reason, user?: string, transactionId?: string): Decision => {
  if (user === undefined) return { kind: 'reject', reason };
  return transactionId === undefined
    ? { kind: 'reject', reason, user }
    : { kind: 'reject', reason, user, transactionId };
};

export const drop = (reason: Reason): Decision => ({ kind: 'drop', reason });
