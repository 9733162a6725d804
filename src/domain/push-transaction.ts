// Owns the push transaction: one login waiting for a device's answer, its status machine and the store port.
import type { Reason } from './reason.js';

/**
 * Status machine (docs/push.md): a login is `challenged` (its State lives in the challenge table) until a push is
 * sent; from `push-sent` exactly one transition ends it. SECURITY A4.3, A7.6: the first to commit wins.
 */
export const TransactionStatus = {
  Challenged: 'challenged',
  PushSent: 'push-sent',
  Approved: 'approved',
  Denied: 'denied',
  Expired: 'expired',
  AnsweredByCode: 'answered-by-code',
} as const;
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];

export type FinalStatus = Exclude<TransactionStatus, 'challenged' | 'push-sent'>;

/** One push: everything the phone is shown and the server needs to decide. */
export interface PushTransaction {
  /** 128 bits, hex: the `txn` of every log line of the login. */
  readonly id: string;
  /** 128 bits, base64url: what the device answers (docs/push.md §1). Never sent to the NAS. */
  readonly sessionId: string;
  /** The name the user's tokens and devices are held under. */
  readonly userName: string;
  readonly clientName: string;
  /** Calling-Station-Id, or empty. */
  readonly userIp: string;
  /** The 2-digit number shown at the NAS, or empty without number matching. */
  readonly number: string;
  readonly createdAt: number;
  /** Epoch ms: no answer is taken after it. */
  readonly deadline: number;
  readonly status: TransactionStatus;
  /** Why it ended, once final (PUSH_DENIED, PUSH_NOT_ME, PUSH_TIMEOUT, …). */
  readonly reason?: Reason | undefined;
  /** The device whose answer decided it. */
  readonly decidedBy?: string | undefined;
}

export type NewPushTransaction = Omit<PushTransaction, 'status' | 'reason' | 'decidedBy'>;

export interface Outcome {
  readonly status: FinalStatus;
  /** Why a login ends without approval (absent for `approved` and `answered-by-code`). */
  readonly reason?: Reason | undefined;
  readonly decidedBy?: string | undefined;
}

/** The result of a compare-and-set: `won` when this call moved it from push-sent; the transaction as it is now. */
export type DecideResult =
  | { readonly won: true; readonly transaction: PushTransaction }
  | { readonly won: false; readonly transaction: PushTransaction | undefined };

/**
 * SECURITY A7.7 per address, for several nodes on one database: `createAlone` creates nothing when `max` pushes
 * for logins from the new one's `userIp` were created since `since` (epoch ms), counted in the same atomic step.
 */
export interface SourceCap {
  readonly max: number;
  readonly since: number;
}

/** Why `createAlone` created nothing: the user has a push open, or the address reached its {@link SourceCap}. */
export const NotCreated = { Pending: 'pending', SourceLimit: 'source-limit' } as const;
export type NotCreated = (typeof NotCreated)[keyof typeof NotCreated];

/**
 * Push transactions. Methods may answer synchronously (memory) or with a promise (a shared database on several
 * nodes), so the port fits both; callers handle either.
 */
export interface TransactionStore {
  /** @throws StoreError `ALREADY_EXISTS` when the id or session id is in use */
  create(transaction: NewPushTransaction): PushTransaction | Promise<PushTransaction>;
  /**
   * SECURITY A7.7, one pending push per user whichever node starts it: creates the transaction unless the user
   * has another in `push-sent` before its deadline (at `createdAt`), or `cap` is given, the transaction has a
   * `userIp` and that address reached the cap; then nothing is written and the answer says which. The checks and
   * the write are one atomic step, also between nodes.
   * @throws StoreError `ALREADY_EXISTS` when the id or session id is in use
   */
  createAlone(
    transaction: NewPushTransaction,
    cap?: SourceCap,
  ): PushTransaction | NotCreated | Promise<PushTransaction | NotCreated>;
  byId(id: string): PushTransaction | undefined | Promise<PushTransaction | undefined>;
  bySession(sessionId: string): PushTransaction | undefined | Promise<PushTransaction | undefined>;
  /** The user's transactions still in `push-sent` before their deadline, newest first. */
  openForUser(userName: string, now: number): PushTransaction[] | Promise<PushTransaction[]>;
  /** SECURITY A4.3: atomically ends a `push-sent` transaction; a second call never wins. */
  decide(id: string, outcome: Outcome): DecideResult | Promise<DecideResult>;
  /** Forgets transactions ended or past their deadline longer than `keepMs` ago; returns how many. */
  sweep(now: number, keepMs: number): number | Promise<number>;
  /** Transactions in `push-sent` now (the pending-pushes gauge). */
  pendingCount(): number | Promise<number>;
}

/** Hears decisions committed by any node; `missed` after a gap (a lost connection) in which some may have passed. */
export interface DecisionListener {
  decided(transactionId: string): void;
  missed(): void;
}

/**
 * How a node learns that a push it holds a request for was decided elsewhere (several nodes on PostgreSQL: LISTEN
 * on the channel the deciding statement notifies). One node needs none: its own decisions reach its waits directly.
 */
export interface DecisionNotices {
  /** Resolves once listening: decisions committed after that are heard. */
  start(listener: DecisionListener): Promise<void>;
  close(): void;
}
