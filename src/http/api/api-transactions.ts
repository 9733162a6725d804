// Owns the records of `/api/v2/transactions` (a push or a code check an application started) and idempotency keys.
import { createHash } from 'node:crypto';

export type ApiTransactionStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'failed';

export interface ApiTransaction {
  readonly id: string;
  readonly type: 'push' | 'code';
  /** The API key that started it: only it (or an admin or read-only key) may read it. */
  readonly owner: string;
  readonly user: string;
  status: ApiTransactionStatus;
  /** A reason code of docs/errors.md once ended without approval. */
  reason: string | null;
  /** PROTOCOL P7: the number the application shows for the user to pick on the phone. */
  readonly number: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  endedAt: number | null;
}

interface Remembered {
  readonly bodyHash: string;
  readonly status: number;
  /** The answer as sent (serialized), and the headers a repeat must carry (content type, location). */
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly at: number;
}

/** Ended transactions stay readable this long; idempotency keys are remembered a day (as Stripe and others do). */
const KEEP_ENDED_MS = 10 * 60_000;
const KEEP_IDEMPOTENCY_MS = 24 * 3600_000;
/** Bounds memory whatever callers do: the oldest entries go first. */
const MAX_ENTRIES = 100_000;

/**
 * In memory, on the node that started the transaction (the push itself is a shared row on PostgreSQL; these
 * records are not yet: docs/storage.md asks for session affinity). Listeners are how a held `GET …/events` stream
 * learns the end: a callback each, no polling.
 */
export class ApiTransactions {
  private readonly records = new Map<string, ApiTransaction>();
  private readonly listeners = new Map<string, ((t: ApiTransaction) => void)[]>();
  private readonly idempotency = new Map<string, Remembered>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => this.sweep(), 60_000);
    this.timer.unref();
  }

  add(record: ApiTransaction): void {
    if (this.records.size >= MAX_ENTRIES) this.records.delete(this.records.keys().next().value!);
    this.records.set(record.id, record);
  }

  get(id: string): ApiTransaction | undefined {
    return this.records.get(id);
  }

  /** Ends a pending record once; later calls change nothing (the first outcome stands, SECURITY A7.6). */
  end(id: string, status: Exclude<ApiTransactionStatus, 'pending'>, reason: string | null): void {
    const record = this.records.get(id);
    if (record === undefined || record.status !== 'pending') return;
    record.status = status;
    record.reason = reason;
    record.endedAt = this.now();
    const waiting = this.listeners.get(id);
    this.listeners.delete(id);
    for (const listener of waiting ?? []) listener(record);
  }

  /** Called once when `id` ends (at once if it has). Returns how to stop listening. */
  listen(id: string, listener: (t: ApiTransaction) => void): () => void {
    const record = this.records.get(id);
    if (record !== undefined && record.status !== 'pending') {
      listener(record);
      return () => {};
    }
    const list = this.listeners.get(id) ?? [];
    list.push(listener);
    this.listeners.set(id, list);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /**
   * Idempotency (draft-ietf-httpapi-idempotency-key-header): the answer given for `key` from `owner` before, or
   * `conflict` when the key came with another body; undefined when the key is new.
   */
  recall(owner: string, key: string, body: unknown): Remembered | 'conflict' | undefined {
    const found = this.idempotency.get(`${owner}\n${key}`);
    if (found === undefined || this.now() - found.at > KEEP_IDEMPOTENCY_MS) return undefined;
    return found.bodyHash === hashOf(body) ? found : 'conflict';
  }

  remember(
    owner: string,
    key: string,
    body: unknown,
    status: number,
    payload: string,
    headers: Readonly<Record<string, string>>,
  ): void {
    if (this.idempotency.size >= MAX_ENTRIES) this.idempotency.delete(this.idempotency.keys().next().value!);
    const bodyHash = hashOf(body);
    this.idempotency.set(`${owner}\n${key}`, { bodyHash, status, payload, headers, at: this.now() });
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, r] of this.records) {
      const over =
        r.endedAt !== null ? r.endedAt + KEEP_ENDED_MS : (r.expiresAt ?? r.createdAt) + KEEP_ENDED_MS;
      if (over < now) this.records.delete(id);
    }
    for (const [key, entry] of this.idempotency)
      if (now - entry.at > KEEP_IDEMPOTENCY_MS) this.idempotency.delete(key);
  }
}

const hashOf = (body: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('base64url');
