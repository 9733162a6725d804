// Owns the value-or-promise type of the store ports (issue 16) and the one helper that continues either.

/**
 * What a store port returns: a value when the adapter or a cache answers at once (SQLite, a cache hit), a promise
 * when it must wait (PostgreSQL over the network). Callers on the RADIUS hot path branch on `instanceof Promise`
 * so the synchronous case pays for no promise and no closure; elsewhere callers simply `await`.
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * Continues `value` with `next` now when it is a value, after it settles when it is a promise. For paths off the
 * hot path: it allocates the closure the caller passes.
 */
export function whenReady<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
