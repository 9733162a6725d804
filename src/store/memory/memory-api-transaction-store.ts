// Owns the in-process ApiTransactionStore: the conformance suite's reference and the store of tests.
import {
  type ApiTransaction,
  type ApiTransactionEnd,
  type ApiTransactionStore,
  CLAIM_LAPSE_MS,
  type IdempotencyClaim,
  type IdempotentAnswer,
  KEEP_ENDED_MS,
  KEEP_IDEMPOTENCY_MS,
} from '../../domain/api-transaction.js';
import { EndListeners } from '../end-listeners.js';

interface Key {
  readonly bodyHash: string;
  /** Undefined while the claiming request runs. */
  readonly answer: IdempotentAnswer | undefined;
  readonly at: number;
}

/** Bounds memory whatever callers do: the oldest entries go first. */
const MAX_ENTRIES = 100_000;

/** One process's records and keys; `end` wakes the listeners of this process (there is no other). */
export class MemoryApiTransactionStore implements ApiTransactionStore {
  readonly #records = new Map<string, ApiTransaction>();
  readonly #keys = new Map<string, Key>();
  readonly #listeners = new EndListeners();

  add(record: ApiTransaction): void {
    if (this.#records.size >= MAX_ENTRIES) this.#records.delete(this.#records.keys().next().value!);
    this.#records.set(record.id, { ...record });
  }

  get(id: string): ApiTransaction | undefined {
    const found = this.#records.get(id);
    return found === undefined ? undefined : { ...found };
  }

  end(id: string, status: ApiTransactionEnd, reason: string | null, now: number): boolean {
    const record = this.#records.get(id);
    if (record === undefined || record.status !== 'pending') return false;
    this.#records.set(id, { ...record, status, reason, endedAt: now });
    this.#listeners.wake(id);
    return true;
  }

  listen(id: string, wake: () => void): () => void {
    return this.#listeners.add(id, wake);
  }

  claim(owner: string, key: string, bodyHash: string, now: number): IdempotencyClaim {
    const name = `${owner}\n${key}`;
    const found = this.#keys.get(name);
    if (found === undefined || lapsed(found, now)) {
      if (this.#keys.size >= MAX_ENTRIES) this.#keys.delete(this.#keys.keys().next().value!);
      this.#keys.delete(name);
      this.#keys.set(name, { bodyHash, answer: undefined, at: now });
      return { kind: 'claimed' };
    }
    if (found.bodyHash !== bodyHash) return { kind: 'reused' };
    return found.answer === undefined ? { kind: 'in-progress' } : { kind: 'answered', answer: found.answer };
  }

  remember(owner: string, key: string, answer: IdempotentAnswer, now: number): void {
    const name = `${owner}\n${key}`;
    const found = this.#keys.get(name);
    if (found !== undefined && found.answer === undefined)
      this.#keys.set(name, { ...found, answer, at: now });
  }

  release(owner: string, key: string): void {
    const name = `${owner}\n${key}`;
    if (this.#keys.get(name)?.answer === undefined) this.#keys.delete(name);
  }

  sweep(now: number): void {
    for (const [id, r] of this.#records)
      if ((r.endedAt ?? r.expiresAt ?? r.createdAt) < now - KEEP_ENDED_MS) this.#records.delete(id);
    for (const [name, key] of this.#keys) if (key.at < now - KEEP_IDEMPOTENCY_MS) this.#keys.delete(name);
  }

  close(): void {}
}

/** An answer a day old, or a claim whose request never finished, no longer holds the key. */
const lapsed = (key: Key, now: number) =>
  key.at < now - (key.answer === undefined ? CLAIM_LAPSE_MS : KEEP_IDEMPOTENCY_MS);
