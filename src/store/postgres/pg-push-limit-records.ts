// Owns the PostgreSQL adapter of PushLimitRecords: every node's pushes and mutes, counted in the shared database.
import type pg from 'pg';
import type { PushLimitRecords, RecentPushes } from '../../domain/push-limit-records.js';
import { queryOrFail } from './pg-errors.js';

// One round trip; each count is a range of one index (push_transactions_user, push_transactions_source).
const RECENT =
  'SELECT (SELECT count(*) FROM push_transactions WHERE user_name = $1 AND created_at > $3)::int AS per_user, ' +
  "(SELECT count(*) FROM push_transactions WHERE $2 <> '' AND user_ip = $2 AND created_at > $3)::int AS per_source, " +
  '(SELECT until FROM push_mutes WHERE user_name = $1)::text AS muted_until';
const UNTIL = 'SELECT until::text AS until FROM push_mutes WHERE user_name = $1';
const LIFT = 'DELETE FROM push_mutes WHERE user_name = $1 RETURNING until::text AS until';
const MUTE =
  'INSERT INTO push_mutes (user_name, until) VALUES ($1, $2) ' +
  'ON CONFLICT (user_name) DO UPDATE SET until = greatest(push_mutes.until, excluded.until)';

/**
 * Push limits over the shared tables (migration 11): the pushes counted are the `push_transactions` rows every
 * node writes, so N nodes do not allow N times the limit. This count refuses early, outside a transaction; the
 * creation checks again under advisory locks (PgTransactionStore.createAlone: the user's open push, the address's
 * count), so two nodes admitting pushes at the same instant cannot both pass the per-address limit's edge, and a
 * user's second push waits for the first to end. A user's pushes decided within milliseconds of each other on two
 * nodes could still pass `maxPerUser` by one.
 */
export class PgPushLimitRecords implements PushLimitRecords {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async recent(userName: string, source: string, since: number): Promise<RecentPushes> {
    const { rows } = await queryOrFail<{ per_user: number; per_source: number; muted_until: string | null }>(
      this.#pool,
      RECENT,
      [userName, source, since],
      'counting recent pushes',
    );
    const row = rows[0];
    return {
      perUser: row?.per_user ?? 0,
      perSource: row?.per_source ?? 0,
      mutedUntil: Number(row?.muted_until ?? 0),
    };
  }

  async until(userName: string): Promise<number> {
    const action = 'reading a push mute';
    const { rows } = await queryOrFail<{ until: string }>(this.#pool, UNTIL, [userName], action);
    return Number(rows[0]?.until ?? 0);
  }

  async mute(userName: string, until: number): Promise<void> {
    await queryOrFail(this.#pool, MUTE, [userName, until], 'muting pushes');
  }

  async lift(userName: string, now: number): Promise<boolean> {
    const action = 'lifting a push mute';
    const { rows } = await queryOrFail<{ until: string }>(this.#pool, LIFT, [userName], action);
    return rows[0] !== undefined && Number(rows[0].until) > now;
  }
}
