// Owns migration 9: each user's sign-in history (issue 18), for the portal's "last sign-ins" and "this wasn't me".
import type { Migration } from '../migration.js';

/**
 * `sign_ins` is append-only in id order: one row per final login outcome (never a challenge or a pending push).
 * `at` and `not_me_at` are ISO times (UTC, milliseconds).
 *
 * A user's sign-ins are found through a chain, not an index: `prev_id` names the same user's sign-in recorded
 * before this one, and `sign_in_heads` the newest, exactly for rows up to `sign_in_state.heads_upto` (the writer
 * updates it every 20,000 rows; a reader looks at the rows after it too). An index on (user_name, at) would
 * put every new row at a random place in a B-tree as large as the table: measured at 10,000 users and 300,000
 * rows, 17–35 µs of CPU per row written against 2–3 µs for an append, more than a whole PAP login costs. Appends
 * here write the table's last pages; reading a user's newest 20 is 20 lookups by id. Pruning deletes the oldest
 * ids (the table is in time order), so `at` needs no index either.
 *
 * No CHECKs on `sign_ins`: the one code that builds rows (auth/sign-in-entry.ts) bounds every text and keeps
 * `result` and `how` to the port's unions, STRICT keeps the types, and the constraints cost a third of an append
 * (0.7–1 µs a row, measured). They would also turn one bad row into a refused batch: a batch is one transaction.
 */
export const migration0009: Migration = {
  number: 9,
  name: 'sign-ins',
  up(db) {
    db.exec(`
      CREATE TABLE sign_ins (
        id INTEGER PRIMARY KEY,
        user_name TEXT NOT NULL,
        at TEXT NOT NULL,
        client TEXT NOT NULL,
        user_ip TEXT NOT NULL,
        result TEXT NOT NULL,
        how TEXT NOT NULL,
        reason TEXT NOT NULL,
        txn TEXT NOT NULL,
        not_me_at TEXT,
        prev_id INTEGER
      ) STRICT;
      CREATE TABLE sign_in_heads (
        user_name TEXT PRIMARY KEY,
        last_id INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE sign_in_state (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        heads_upto INTEGER NOT NULL
      ) STRICT;
      INSERT INTO sign_in_state (one, heads_upto) VALUES (1, 0);
    `);
  },
};
