// Owns a settable clock for store tests, so timestamps can be asserted exactly.

export interface FakeClock {
  now(): Date;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

/** A clock that starts at `start` and moves only when told. */
export function fakeClock(start = '2025-01-02T03:04:05.000Z'): FakeClock {
  let time = Date.parse(start);
  return {
    now: () => new Date(time),
    advance(ms) {
      time += ms;
    },
  };
}
