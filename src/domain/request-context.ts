// Owns what every step of a login knows about the request it works for: its transaction, its NAS, its deadline.

/**
 * Passed down to first-factor sources, code checks and their log lines, so every line about a request carries the
 * same `txn` and `client` (README: "Every log line of one login carries the same txn"). Structural on purpose: a
 * LoginRequest and a ChallengeSession are both one, so passing it allocates nothing.
 */
export interface RequestContext {
  /** Names the login across its requests; a challenge session keeps the one of its first request. */
  readonly transactionId?: string | undefined;
  /** The NAS as configured (its name). */
  readonly clientName: string;
  /** Epoch ms after which the NAS no longer waits (arrival + its `nasTimeout`): later work is shed. */
  readonly deadline?: number | undefined;
}

/** The `txn` and `client` fields of a log line about the request, when there is one. */
export function logFieldsOf(context: RequestContext | undefined): { txn?: string; client?: string } {
  if (context === undefined) return {};
  return context.transactionId === undefined
    ? { client: context.clientName }
    : { txn: context.transactionId, client: context.clientName };
}

/** Who an internal error happened to, for its `auth.error` line: as much as the failing step knew. */
export interface ErrorSubject {
  readonly user?: string | undefined;
  readonly txn?: string | undefined;
  readonly client?: string | undefined;
}

/** Told about failures that are not the caller's fault (a store that throws), with whom they hit. */
export type InternalErrorSink = (error: unknown, what: string, subject?: ErrorSubject) => void;
