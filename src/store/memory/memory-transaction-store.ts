// Owns the in-process TransactionStore: push transactions of one node, by id, session id and user.
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import {
  type DecideResult,
  type NewPushTransaction,
  NotCreated,
  type Outcome,
  type PushTransaction,
  type SourceCap,
  TransactionStatus,
  type TransactionStore,
} from '../../domain/push-transaction.js';

/**
 * Maps keyed by id and by session id, plus each user's open ids. Single-threaded, so `decide`'s read-check-write is
 * the atomic compare-and-set SECURITY A4.3 asks for. Ended transactions stay until `sweep`, so a late or repeated
 * answer still finds what decided it (docs/push.md §5: same answer → same result, another → 409).
 */
export class MemoryTransactionStore implements TransactionStore {
  readonly #byId = new Map<string, PushTransaction>();
  readonly #bySession = new Map<string, string>();
  readonly #openByUser = new Map<string, string[]>();
  #pending = 0;

  create(transaction: NewPushTransaction): PushTransaction {
    if (this.#byId.has(transaction.id) || this.#bySession.has(transaction.sessionId)) {
      throw new StoreError(StoreErrorCode.AlreadyExists, 'a transaction with this id or session id exists');
    }
    const stored = record(transaction, TransactionStatus.PushSent, undefined, undefined);
    this.#byId.set(stored.id, stored);
    this.#bySession.set(stored.sessionId, stored.id);
    const open = this.#openByUser.get(stored.userName);
    if (open === undefined) this.#openByUser.set(stored.userName, [stored.id]);
    else open.push(stored.id);
    this.#pending++;
    return stored;
  }

  /**
   * Single-threaded: the checks and the write cannot be interleaved with another start. The address count walks
   * every kept transaction; one node passes no cap (PushLimits counts addresses in memory), so only the shared
   * stores' callers pay for it.
   */
  createAlone(transaction: NewPushTransaction, cap?: SourceCap): PushTransaction | NotCreated {
    const open = this.openForUser(transaction.userName, transaction.createdAt);
    if (open.length > 0) return NotCreated.Pending;
    if (cap !== undefined && transaction.userIp !== '') {
      let fromSource = 0;
      for (const kept of this.#byId.values())
        if (kept.userIp === transaction.userIp && kept.createdAt > cap.since) fromSource++;
      if (fromSource >= cap.max) return NotCreated.SourceLimit;
    }
    return this.create(transaction);
  }

  byId(id: string): PushTransaction | undefined {
    return this.#byId.get(id);
  }

  bySession(sessionId: string): PushTransaction | undefined {
    const id = this.#bySession.get(sessionId);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  openForUser(userName: string, now: number): PushTransaction[] {
    const ids = this.#openByUser.get(userName) ?? [];
    const open: PushTransaction[] = [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const transaction = this.#byId.get(ids[i]!);
      if (transaction?.status === TransactionStatus.PushSent && transaction.deadline >= now)
        open.push(transaction);
    }
    return open;
  }

  decide(id: string, outcome: Outcome): DecideResult {
    const current = this.#byId.get(id);
    if (current === undefined || current.status !== TransactionStatus.PushSent) {
      return { won: false, transaction: current };
    }
    const decided = record(current, outcome.status, outcome.reason, outcome.decidedBy);
    this.#byId.set(id, decided);
    this.#closeForUser(decided);
    this.#pending--;
    return { won: true, transaction: decided };
  }

  sweep(now: number, keepMs: number): number {
    let forgotten = 0;
    for (const [id, transaction] of this.#byId) {
      if (transaction.deadline + keepMs >= now) continue;
      if (transaction.status === TransactionStatus.PushSent) {
        this.#pending--;
        this.#closeForUser(transaction);
      }
      this.#byId.delete(id);
      this.#bySession.delete(transaction.sessionId);
      forgotten++;
    }
    return forgotten;
  }

  pendingCount(): number {
    return this.#pending;
  }

  #closeForUser(transaction: PushTransaction): void {
    const open = this.#openByUser.get(transaction.userName);
    if (open === undefined) return;
    const index = open.indexOf(transaction.id);
    if (index !== -1) open.splice(index, 1);
    if (open.length === 0) this.#openByUser.delete(transaction.userName);
  }
}

/**
 * One object shape for every transaction: spreading a transaction and adding fields gave each its own hidden
 * class (a 300-octet map and descriptor array per pending push, measured with 20,000 pending).
 */
function record(
  from: NewPushTransaction,
  status: TransactionStatus,
  reason: PushTransaction['reason'],
  decidedBy: string | undefined,
): PushTransaction {
  return {
    id: from.id,
    sessionId: from.sessionId,
    userName: from.userName,
    clientName: from.clientName,
    userIp: from.userIp,
    number: from.number,
    createdAt: from.createdAt,
    deadline: from.deadline,
    status,
    reason,
    decidedBy,
  };
}
