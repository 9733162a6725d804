// Owns a small pool of worker threads that run CPU-heavy, synchronous crypt/bcrypt checks off the event loop.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CryptScheme } from './crypt-hash.js';

/** One verification for a worker; `password` is already decoded from UTF-8. */
export interface CryptTask {
  readonly scheme: CryptScheme;
  readonly hash: string;
  readonly password: string;
}

export const WorkerPoolErrorCode = {
  Closed: 'POOL_CLOSED',
  Overloaded: 'POOL_OVERLOADED',
  WorkerFailed: 'WORKER_FAILED',
} as const;
export type WorkerPoolErrorCode = (typeof WorkerPoolErrorCode)[keyof typeof WorkerPoolErrorCode];

/** Infrastructure failure of the pool (never a wrong password, which is `false`). */
export class WorkerPoolError extends Error {
  override readonly name = 'WorkerPoolError';
  constructor(
    readonly code: WorkerPoolErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface WorkerPoolOptions {
  /** Worker threads; default min(2, available CPUs). */
  readonly size?: number;
  /** Tasks allowed to wait for a worker before `run` rejects with `POOL_OVERLOADED`; default 1000. */
  readonly maxQueue?: number;
  /** Worker script; default `crypt-worker.mjs` next to this file. Tests point it elsewhere. */
  readonly workerUrl?: URL;
}

export interface WorkerPool {
  readonly size: number;
  /**
   * Runs one verification on a worker.
   * @throws WorkerPoolError (as a rejection) `POOL_CLOSED`, `POOL_OVERLOADED`, `WORKER_FAILED`
   */
  run(task: CryptTask): Promise<boolean>;
  /** Rejects waiting tasks with `POOL_CLOSED` and terminates the workers. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  readonly id: number;
  readonly task: CryptTask;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (error: WorkerPoolError) => void;
}

interface Slot {
  readonly worker: Worker;
  current: Pending | undefined;
}

/**
 * Creates a lazily started worker pool. Workers are unref'd while idle, so an idle pool never keeps the process
 * alive, and ref'd while they hold a task, so a pending verification does.
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
  const maxQueue = options.maxQueue ?? 1000;
  const workerUrl = options.workerUrl ?? new URL('./crypt-worker.mjs', import.meta.url);
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    // execArgv [] keeps the parent's `--import tsx` out of the worker: the script is plain JavaScript.
    const worker = new Worker(workerUrl, { execArgv: [] });
    worker.unref();
    const slot: Slot = { worker, current: undefined };
    worker.on('message', (message: unknown) => {
      const pending = slot.current;
      if (pending === undefined || !isReply(message) || message.id !== pending.id) return;
      slot.current = undefined;
      worker.unref();
      pending.resolve(message.ok);
      pump();
    });
    worker.on('error', (error) => retire(slot, error));
    worker.on('exit', (exitCode) => retire(slot, new Error(`worker exited with code ${exitCode}`)));
    return slot;
  };

  const retire = (slot: Slot, cause: unknown): void => {
    const index = slots.indexOf(slot);
    if (index < 0) return;
    slots.splice(index, 1);
    const pending = slot.current;
    slot.current = undefined;
    pending?.reject(
      new WorkerPoolError(WorkerPoolErrorCode.WorkerFailed, 'password worker failed', { cause }),
    );
    void slot.worker.terminate();
    pump();
  };

  const pump = (): void => {
    while (!closed && queue.length > 0) {
      let slot = slots.find((candidate) => candidate.current === undefined);
      if (slot === undefined) {
        if (slots.length >= size) return;
        try {
          slot = spawn();
        } catch (cause) {
          const message = 'password worker could not start';
          queue.shift()!.reject(new WorkerPoolError(WorkerPoolErrorCode.WorkerFailed, message, { cause }));
          continue;
        }
        slots.push(slot);
      }
      const pending = queue.shift()!;
      slot.current = pending;
      slot.worker.ref();
      const { scheme, hash, password } = pending.task;
      slot.worker.postMessage({ id: pending.id, scheme, hash, password });
    }
  };

  return {
    size,
    run(task) {
      if (closed) return Promise.reject(closedError());
      if (queue.length >= maxQueue) {
        const message = `more than ${maxQueue} password checks waiting`;
        return Promise.reject(new WorkerPoolError(WorkerPoolErrorCode.Overloaded, message));
      }
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ id: nextId++, task, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      const error = closedError();
      for (const pending of queue.splice(0)) pending.reject(error);
      const retired = slots.splice(0);
      for (const slot of retired) slot.current?.reject(error);
      await Promise.all(retired.map((slot) => slot.worker.terminate()));
    },
  };
}

function closedError(): WorkerPoolError {
  return new WorkerPoolError(WorkerPoolErrorCode.Closed, 'password pool is closed');
}

function isReply(message: unknown): message is { id: number; ok: boolean } {
  if (typeof message !== 'object' || message === null) return false;
  const { id, ok } = message as { id?: unknown; ok?: unknown };
  return typeof id === 'number' && typeof ok === 'boolean';
}
