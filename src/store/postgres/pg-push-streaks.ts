// Owns the PostgreSQL adapter of the PushStreaks port: one number-matching streak (A7.7) per user for every node.
import type pg from 'pg';
import type { PushStreaks } from '../../domain/push-streaks.js';
import { type NamedStatement, queryOrFail } from './pg-errors.js';
import { TurnBatch } from './pg-turn-batch.js';

// Primary-key lookups by `= ANY`: one statement for every challenge of the turn that needs the streak.
const MISSES_MANY: NamedStatement = {
  name: 'push-streaks-many',
  text: 'SELECT user_name, misses FROM push_streaks WHERE user_name = ANY($1::text[])',
};
// The increment is the statement's own read: misses noted by two nodes at once both count.
const MISSED: NamedStatement = {
  name: 'push-streak-missed',
  text:
    'INSERT INTO push_streaks (user_name, misses) VALUES ($1, 1) ' +
    'ON CONFLICT (user_name) DO UPDATE SET misses = push_streaks.misses + 1',
};
const APPROVED: NamedStatement = {
  name: 'push-streak-approved',
  text: 'DELETE FROM push_streaks WHERE user_name = $1',
};

/**
 * Streaks in `push_streaks` (migration 14), shared by every node: a push denied on one node and another left
 * unanswered on a second make two misses in a row wherever the next push starts. Every challenge of a user with a
 * push device reads the streak before the Access-Challenge is sent (the number, if any, is in its text), so the
 * reads of one event-loop turn go as one statement (TurnBatch), as the challenge table's steps do. The writes come
 * once per decided push, a human's pace, and go alone.
 */
export class PgPushStreaks implements PushStreaks {
  readonly #pool: pg.Pool;
  readonly #reads = new TurnBatch<string, number>((names) => this.#missesMany(names));

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  misses(userName: string): Promise<number> {
    return this.#reads.add(userName);
  }

  async missed(userName: string): Promise<void> {
    await queryOrFail(this.#pool, MISSED, [userName], 'counting a missed push');
  }

  async approved(userName: string): Promise<void> {
    await queryOrFail(this.#pool, APPROVED, [userName], 'ending a push streak');
  }

  async #missesMany(names: readonly string[]): Promise<number[]> {
    const { rows } = await queryOrFail<{ user_name: string; misses: number }>(
      this.#pool,
      MISSES_MANY,
      [[...new Set(names)]],
      'reading push streaks',
    );
    const byName = new Map(rows.map((row) => [row.user_name, row.misses]));
    return names.map((name) => byName.get(name) ?? 0);
  }
}
