// Owns the token-holder index's reads on PostgreSQL.
import type pg from 'pg';
import type { HolderQueries } from '../token-holders.js';
import { queryOrFail } from './pg-errors.js';

export function pgHolderQueries(pool: pg.Pool): HolderQueries {
  const read = async <R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) =>
    (await queryOrFail<R>(pool, text, values, action)).rows;
  return {
    allTokens: async () =>
      (
        await read<{ user_name: string; type: string; digits: number }>(
          'SELECT user_name, type, digits FROM tokens ORDER BY id',
          [],
          'reading the token holders',
        )
      ).map((row) => [row.user_name, row.type, row.digits] as const),
    pushHolders: async () =>
      (
        await read<{ user_name: string }>(
          'SELECT DISTINCT user_name FROM push_devices',
          [],
          'reading the push device holders',
        )
      ).map((row) => row.user_name),
    userTokens: (userName) =>
      read<{ type: string; digits: number }>(
        'SELECT type, digits FROM tokens WHERE user_name = $1 ORDER BY id',
        [userName],
        "reading a user's tokens",
      ),
    userHasPush: async (userName) =>
      (
        await read<{ n: number }>(
          'SELECT count(*)::int AS n FROM push_devices WHERE user_name = $1',
          [userName],
          "reading a user's push devices",
        )
      )[0]!.n > 0,
  };
}
