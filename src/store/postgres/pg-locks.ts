// Owns the advisory lock keys Assent takes in a PostgreSQL database, so no two uses pick the same one.
import { createHash } from 'node:crypto';
import { nameKey } from '../../domain/name-key.js';

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
  /**
   * "ASNU": a namespace of its own for the per-user locks of {@link tokenHolderLock}, whose keys are hashes
   * and so may take any value, 1 and 2 included.
   */
  tokenHolderNamespace: 0x41534e55,
  /** "ASNP": the per-user locks of {@link pushStartLock}. */
  pushStartNamespace: 0x41534e50,
  /** "ASNS": the per-address locks of {@link pushSourceLock}. */
  pushSourceNamespace: 0x41534e53,
  /** "ASNW": the per-user locks of {@link ownWayLock}. */
  ownWayNamespace: 0x41534e57,
  /** "ASNE": the per-user locks of {@link enrollmentUserLock}. */
  enrollUserNamespace: 0x41534e45,
  /** "ASNL": the per-address locks of {@link enrollmentSourceLock}. */
  enrollSourceNamespace: 0x41534e4c,
} as const;

/**
 * The lock a transaction adding tokens holds for each user it adds to (PgTokenStore): every spelling with the
 * same {@link nameKey} gets the same lock, so two nodes enrolling `lara` and `Lara` at once take turns and the
 * second sees the first's token (issue 12). The key is 32 bits of SHA-256 of the name key, computed here rather
 * than by the server's `hashtext` so it does not depend on the PostgreSQL version; two users sharing a key only
 * wait for each other.
 * @returns the arguments of `pg_advisory_xact_lock(int, int)`
 */
export function tokenHolderLock(userName: string): readonly [number, number] {
  return [PgLock.tokenHolderNamespace, keyOf(nameKey(userName))];
}

/**
 * The lock a node holds while it checks that a user has no push open and creates one (PgTransactionStore
 * `createAlone`, SECURITY A7.7): two nodes starting a push for one user take turns, and the second sees the first's.
 * Keyed by the identity's name as the transactions store it.
 * @returns the arguments of `pg_advisory_xact_lock(int, int)`
 */
export function pushStartLock(userName: string): readonly [number, number] {
  return [PgLock.pushStartNamespace, keyOf(userName)];
}

/**
 * The lock a node holds, after {@link pushStartLock}, while it counts an address's recent pushes and creates one
 * (SECURITY A7.7 `push.maxPerSource`): two nodes starting pushes for different users from one address take turns,
 * so the second counts the first's. Always taken second, so no two starts can wait for each other in a cycle.
 * @returns the arguments of `pg_advisory_xact_lock(int, int)`
 */
export function pushSourceLock(userIp: string): readonly [number, number] {
  return [PgLock.pushSourceNamespace, keyOf(userIp)];
}

/**
 * The lock a node holds while it reads a user's push devices and tokens and removes one of them under the
 * last-way rule (PgOwnWayStore, SECURITY A12.7): two removals for one user, on any nodes, take turns, and the second
 * counts what the first left. Keyed by the name as the rows store it (the portal's user is that spelling).
 * @returns the arguments of `pg_advisory_xact_lock(int, int)`
 */
export function ownWayLock(userName: string): readonly [number, number] {
  return [PgLock.ownWayNamespace, keyOf(userName)];
}

/**
 * The lock a node holds while it counts a user's recent enrollment links, closes the open one and issues another
 * (PgEnrollmentLinkStore, issue 18): two nodes issuing for one user take turns, so the second counts the first's
 * link and closes it. Keyed by the identity's name as the links store it.
 * @returns the arguments of `pg_advisory_xact_lock(int, int)`
 */
export function enrollmentUserLock(userName: string): readonly [number, number] {
  return [PgLock.enrollUserNamespace, keyOf(userName)];
}

/**
 * The lock taken after {@link enrollmentUserLock} while an address's recent links are counted: two nodes issuing
 * for different users from one address take turns. Always second, so no two issues wait for each other in a cycle.
 * @returns the arguments of `pg_advisory_xact_lock(int, int)`
 */
export function enrollmentSourceLock(source: string): readonly [number, number] {
  return [PgLock.enrollSourceNamespace, keyOf(source)];
}

/** 32 bits of SHA-256: independent of the PostgreSQL version, unlike the server's `hashtext`. */
function keyOf(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readInt32BE(0);
}
