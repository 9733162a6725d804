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

export type Decision =
  | { readonly kind: 'accept'; readonly user: string; readonly attributes: readonly ReplyAttribute[] }
  | { readonly kind: 'reject'; readonly reason: Reason; readonly user?: string }
  | {
      readonly kind: 'challenge';
      readonly user: string;
      readonly state: Uint8Array;
      readonly text: string;
      readonly transactionId: string;
    }
  | { readonly kind: 'pending'; readonly user: string; readonly transactionId: string }
  | { readonly kind: 'drop'; readonly reason: Reason };

export const accept = (user: string, attributes: readonly ReplyAttribute[] = []): Decision => ({
  kind: 'accept',
  user,
  attributes,
});

export const reject = (reason: Reason, user?: string): Decision =>
  user === undefined ? { kind: 'reject', reason } : { kind: 'reject', reason, user };

export const drop = (reason: Reason): Decision => ({ kind: 'drop', reason });
