// Owns the logins waiting for a push answer: transaction id → what is needed to decide, and the expiry sweep.
import type { Decision } from '../domain/decision.js';
import type { Identity } from '../domain/first-factor.js';
import {
  type PushTransaction,
  TransactionStatus,
  type TransactionStore,
} from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';

/** One waiting login: who it is for (the Accept's attributes come from it), from where, and until when. */
export interface PushWait {
  readonly transactionId: string;
  readonly identity: Identity;
  /** Where the login came from, for the sign-in history: the NAS's client name, or the API key's name. */
  readonly clientName: string;
  /** The user's address (Calling-Station-Id, or the API caller's `user_ip`); '' when unknown. */
  readonly userIp: string;
  readonly deadline: number;
  /**
   * This node only relays a decision to the requests it holds: the push was started by another node, which
   * records the login's outcome (sign-in history, number-matching streaks). Absent: false.
   */
  readonly relay?: boolean;
  /** Called once the login is decided (the challenge session ends its State). */
  readonly ended: () => void;
}

/**
 * Receives each decision for a waiting login, e.g. the RADIUS listener that holds its request; `wait` says whose
 * login it was and where it came from. Called once per login, however many requests wait for it.
 */
export type DecisionListener = (transactionId: string, decision: Decision, wait: PushWait) => void;

/**
 * The logins holding a push, keyed by transaction id: a map entry each, no thread, timer or promise per login
 * (ARCHITECTURE §5). Decisions arrive as events: `settled` when a device answered or a code was typed, `sweep`
 * for deadlines, both turned into one Decision for the listener.
 */
export class PushWaits {
  private readonly waits = new Map<string, PushWait>();
  private listener: DecisionListener = () => {};

  constructor(
    private readonly transactions: TransactionStore,
    private readonly acceptIdentity: (identity: Identity, transactionId: string) => Decision,
  ) {}

  get size(): number {
    return this.waits.size;
  }

  has(transactionId: string): boolean {
    return this.waits.has(transactionId);
  }

  /** The transaction ids waited for now (a copy: settling while iterating is safe). */
  ids(): string[] {
    return [...this.waits.keys()];
  }

  onDecision(listener: DecisionListener): void {
    this.listener = listener;
  }

  add(wait: PushWait): void {
    this.waits.set(wait.transactionId, wait);
  }

  /** A transaction ended (by a device, a typed code or expiry): tell the listener once; unknown ids are ignored. */
  settled(transaction: PushTransaction): void {
    const wait = this.waits.get(transaction.id);
    if (wait === undefined) return;
    this.waits.delete(transaction.id);
    wait.ended();
    this.listener(transaction.id, this.decisionFor(wait, transaction), wait);
  }

  /** PROTOCOL P3: waits past their deadline end as PUSH_TIMEOUT, through the store's compare-and-set. */
  sweep(now: number): void {
    for (const wait of this.waits.values()) {
      if (wait.deadline > now) continue;
      const result = this.transactions.decide(wait.transactionId, {
        status: TransactionStatus.Expired,
        reason: Reason.PushTimeout,
      });
      const settle = (r: { won: boolean; transaction: PushTransaction | undefined }) => {
        if (r.transaction !== undefined) this.settled(r.transaction);
        else this.forget(wait.transactionId);
      };
      if (result instanceof Promise) result.then(settle, () => this.forget(wait.transactionId));
      else settle(result);
    }
  }

  private forget(transactionId: string): void {
    const wait = this.waits.get(transactionId);
    if (wait === undefined) return;
    this.waits.delete(transactionId);
    wait.ended();
    this.listener(
      transactionId,
      { kind: 'reject', reason: Reason.PushTimeout, user: wait.identity.name, transactionId },
      wait,
    );
  }

  private decisionFor(wait: PushWait, transaction: PushTransaction): Decision {
    const user = wait.identity.name;
    switch (transaction.status) {
      case TransactionStatus.Approved:
        return this.acceptIdentity(wait.identity, transaction.id);
      case TransactionStatus.AnsweredByCode:
        // PROTOCOL P4: the typed code's own request got the Accept; the held one is released without a reply.
        return { kind: 'drop', reason: Reason.PushAnsweredByCode };
      default:
        return {
          kind: 'reject',
          reason: transaction.reason ?? Reason.PushDenied,
          user,
          transactionId: transaction.id,
        };
    }
  }
}
