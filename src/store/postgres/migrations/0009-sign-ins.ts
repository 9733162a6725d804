// Owns migration 9 (PostgreSQL): each user's sign-in history (issue 18), for the portal's "last sign-ins".
import type { PostgresMigration } from '../pg-migration.js';

/**
 * As SQLite's migration 9, with the type mapping of pg-migration.ts. `sign_ins.id` is a plain BIGINT primary
 * key, not an identity: the writer numbers its rows itself (the `prev_id` chain is built before the insert),
 * as it does with SQLite's rowid (a NULL id, which SQLite would number, is refused). Still no CHECKs on
 * `sign_ins`, for the reasons given in SQLite's migration 9.
 */
export const migration0009: PostgresMigration = {
  number: 9,
  name: 'sign-ins',
  async up(client) {
    await client.query(`
      CREATE TABLE sign_ins (
        id BIGINT PRIMARY KEY,
        user_name TEXT COLLATE "C" NOT NULL,
        at TEXT COLLATE "C" NOT NULL,
        client TEXT COLLATE "C" NOT NULL,
        user_ip TEXT COLLATE "C" NOT NULL,
        result TEXT COLLATE "C" NOT NULL,
        how TEXT COLLATE "C" NOT NULL,
        reason TEXT COLLATE "C" NOT NULL,
        txn TEXT COLLATE "C" NOT NULL,
        not_me_at TEXT COLLATE "C",
        prev_id BIGINT
      );
      CREATE TABLE sign_in_heads (
        user_name TEXT COLLATE "C" PRIMARY KEY,
        last_id BIGINT NOT NULL
      );
      CREATE TABLE sign_in_state (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        heads_upto BIGINT NOT NULL
      );
      INSERT INTO sign_in_state (one, heads_upto) VALUES (1, 0);
    `);
  },
};
