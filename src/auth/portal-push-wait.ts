// Owns how a portal sign-in waits for its push (docs/self-service.md): on the node that sent it, by the push's own
// listener; on any other node of a site, by reading the shared push transaction until it is decided.
import type { Awaitable } from '../domain/awaitable.js';
import { type PushTransaction, TransactionStatus } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { ApplicationOutcome, ApplicationPushes } from './application-pushes.js';

/** How a push stands, as a sign-in needs it. */
export type PortalPushState =
  | { readonly kind: 'approved' }
  | { readonly kind: 'refused'; readonly reason: Reason }
  | { readonly kind: 'undeliverable' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'unknown' };

/** A node that did not send the push reads its row this often while a browser waits (a human's answer time). */
export const PUSH_READ_EVERY_MS = 1_000;
/**
 * With decision notices (PostgreSQL) the row is read when a notice names the push; this slower read only finds a
 * push whose sender died (no notice ever comes: ORPHANED_AFTER_MS).
 */
export const PUSH_READ_WITH_NOTICES_MS = 5_000;
/**
 * The node that sent a push ends it at its deadline; another node calls a row still unanswered this long after the
 * deadline a timeout itself (its sender is gone), so clocks a little apart do not end a push early.
 */
export const ORPHANED_AFTER_MS = 5_000;

export interface PushWaitDeps {
  readonly pushes: Pick<ApplicationPushes, 'listen' | 'unlisten' | 'outcomeOf'>;
  /** The shared push transaction (PostgreSQL: every node's; SQLite: this node's), read by id. */
  readonly readPush?: ((txn: string) => Awaitable<PushTransaction | undefined>) | undefined;
  /** Tells when another node may have decided push `txn` (PostgreSQL `NOTIFY`); returns how to stop hearing. */
  readonly hearDecision?: ((txn: string, heard: () => void) => () => void) | undefined;
  readonly now: () => number;
}

export function stateOfOutcome(outcome: ApplicationOutcome): PortalPushState {
  if (outcome.kind === 'undeliverable') return { kind: 'undeliverable' };
  const decision = outcome.decision;
  if (decision.kind === 'accept') return { kind: 'approved' };
  return { kind: 'refused', reason: decision.kind === 'reject' ? decision.reason : Reason.PushTimeout };
}

/** A transaction row as the sign-in needs it; one long past its deadline unanswered is a timeout (its node is gone). */
export function stateOfTransaction(transaction: PushTransaction | undefined, now: number): PortalPushState {
  if (transaction === undefined) return { kind: 'unknown' };
  switch (transaction.status) {
    case TransactionStatus.Approved:
      return { kind: 'approved' };
    case TransactionStatus.PushSent:
    case TransactionStatus.Challenged:
      return now > transaction.deadline + ORPHANED_AFTER_MS
        ? { kind: 'refused', reason: Reason.PushTimeout }
        : { kind: 'pending' };
    case TransactionStatus.AnsweredByCode:
      return { kind: 'refused', reason: Reason.PushAnsweredByCode };
    default:
      return { kind: 'refused', reason: transaction.reason ?? Reason.PushDenied };
  }
}

/** The push's state now, without waiting: this node's own knowledge first, the shared row for another's push. */
export async function pushStateNow(deps: PushWaitDeps, txn: string): Promise<PortalPushState> {
  const known = deps.pushes.outcomeOf(txn);
  if (known !== undefined) return stateOfOutcome(known);
  // Held here and not ended: pending (a listener that is added and taken off at once is how to ask).
  const probe = () => {};
  if (deps.pushes.listen(txn, probe)) {
    deps.pushes.unlisten(txn, probe);
    return { kind: 'pending' };
  }
  if (deps.readPush === undefined) return { kind: 'unknown' };
  return stateOfTransaction(await deps.readPush(txn), deps.now());
}

/**
 * Waits at most `waitMs` for the push to end; `pending` when it did not (or `signal` aborted: the browser left).
 * Listening needs the node that sent the push; any other reads the row instead, so the browser's long poll may
 * reach any node behind a load balancer: when a decision notice names the push (PostgreSQL), else every second.
 */
export function waitForPush(
  deps: PushWaitDeps,
  txn: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<PortalPushState> {
  return new Promise<PortalPushState>((resolve) => {
    let poll: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    let stopHearing: (() => void) | undefined;
    const done = (state: PortalPushState) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(poll);
      stopHearing?.();
      signal?.removeEventListener('abort', aborted);
      deps.pushes.unlisten(txn, listener);
      resolve(state);
    };
    const listener = (outcome: ApplicationOutcome) => done(stateOfOutcome(outcome));
    const aborted = () => done({ kind: 'pending' });
    const timer = setTimeout(() => done({ kind: 'pending' }), waitMs);
    signal?.addEventListener('abort', aborted);
    if (deps.pushes.listen(txn, listener)) return;
    const readPush = deps.readPush;
    if (readPush === undefined) return done({ kind: 'unknown' });
    const every = deps.hearDecision === undefined ? PUSH_READ_EVERY_MS : PUSH_READ_WITH_NOTICES_MS;
    const read = async () => {
      clearTimeout(poll);
      try {
        const state = stateOfTransaction(await readPush(txn), deps.now());
        if (state.kind !== 'pending') return done(state);
      } catch {
        // A database that does not answer now may answer at the next read; the browser polls again anyway.
      }
      if (!settled) {
        clearTimeout(poll);
        poll = setTimeout(() => void read(), every);
      }
    };
    stopHearing = deps.hearDecision?.(txn, () => void read());
    void read();
  });
}
