// Owns the advisory lock keys Assent takes in a PostgreSQL database, so no two uses pick the same one.
/**
 * Two-key advisory locks (`pg_advisory_xact_lock(namespace, key)`): the namespace is "ASNT" in ASCII, so a
 * database shared with other software is unlikely to see the same pair. The two-key and one-bigint lock
 * spaces are apart in PostgreSQL, so a one-key lock of another program never collides with these either.
 * Migration 10 writes `changeFeed` as a literal (a released migration never changes): keep it 2.
 */
export const PgLock = {
  namespace: 0x41534e54,
  /** Held by `migratePostgres` for its transaction: nodes starting together migrate one after the other. */
  migrate: 1,
  /** Taken by the change-feed triggers before a row gets its `seq` (migration 10): seqs in commit order. */
  changeFeed: 2,
} as const;
