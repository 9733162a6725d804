// Owns the PostgreSQL adapter of the EnrollmentLinkStore port: enrollment-at-login links every node shares
// (issue 18, SECURITY A11.4).
import type pg from 'pg';
import type {
  EnrollmentLinkBounds,
  EnrollmentLinkIssue,
  EnrollmentLinkStore,
  HeldTotp,
  StoredEnrollmentLink,
} from '../../domain/enrollment-link-store.js';
import {
  ENROLLMENT_LINK_COLUMNS,
  type EnrollmentLinkRow,
  type HeldTotpRow,
  heldOfRow,
  linkOfRow,
  sealLinkTotp,
  valuesOfLink,
} from '../enrollment-link-rows.js';
import type { Sealer } from '../sealer.js';
import { isUniqueViolation, type NamedStatement, queryOrFail, toStoreError } from './pg-errors.js';
import { enrollmentSourceLock, enrollmentUserLock } from './pg-locks.js';
import { inTransaction } from './pg-transaction.js';

const LOCK = 'SELECT pg_advisory_xact_lock($1, $2)';
const COUNT_USER: NamedStatement = {
  name: 'enrollment-link-count-user',
  text: 'SELECT count(*)::int AS n FROM enrollment_links WHERE user_name = $1 AND issued_at > $2',
};
const COUNT_SOURCE: NamedStatement = {
  name: 'enrollment-link-count-source',
  text: 'SELECT count(*)::int AS n FROM enrollment_links WHERE source = $1 AND issued_at > $2',
};
const CLOSE: NamedStatement = {
  name: 'enrollment-link-close',
  text: "UPDATE enrollment_links SET state = 'spent', totp_sealed = NULL WHERE user_name = $1 AND state = 'open'",
};
const INSERT: NamedStatement = {
  name: 'enrollment-link-insert',
  text: `INSERT INTO enrollment_links (${ENROLLMENT_LINK_COLUMNS}, state) VALUES ($1, $2, $3, $4, $5, $6, 'open')`,
};
const OPEN = "key = $1 AND state = 'open' AND expires_at > $2";
const PEEK: NamedStatement = {
  name: 'enrollment-link-peek',
  text: `SELECT ${ENROLLMENT_LINK_COLUMNS} FROM enrollment_links WHERE ${OPEN}`,
};
// A11.4: the conditional update is the single use; of two nodes updating at once, the second finds no open row.
const TAKE: NamedStatement = {
  name: 'enrollment-link-take',
  text:
    `UPDATE enrollment_links SET state = 'spent', totp_sealed = NULL WHERE ${OPEN} ` +
    `RETURNING ${ENROLLMENT_LINK_COLUMNS}`,
};
const HOLD: NamedStatement = {
  name: 'enrollment-link-hold',
  text: `UPDATE enrollment_links SET totp_sealed = $3 WHERE ${OPEN} RETURNING ${ENROLLMENT_LINK_COLUMNS}`,
};
const PENDING: NamedStatement = {
  name: 'enrollment-link-pending',
  text:
    'SELECT key, totp_sealed FROM enrollment_links ' +
    "WHERE user_name = $1 AND transaction_id = $2 AND state = 'open' AND expires_at > $3",
};
const SWEEP: NamedStatement = {
  name: 'enrollment-link-sweep',
  text: 'DELETE FROM enrollment_links WHERE expires_at <= $1 AND issued_at <= $2',
};

/**
 * Links in `enrollment_links` (migration 19), shared by every node: the link one node's challenge gave is opened,
 * its TOTP key held and its first code checked by whichever node each request reaches. A chosen key is sealed
 * before it leaves the process (A9.1).
 */
export class PgEnrollmentLinkStore implements EnrollmentLinkStore {
  readonly #pool: pg.Pool;
  readonly #sealer: Sealer;

  constructor(pool: pg.Pool, sealer: Sealer) {
    this.#pool = pool;
    this.#sealer = sealer;
  }

  async issue(link: StoredEnrollmentLink, bounds: EnrollmentLinkBounds): Promise<EnrollmentLinkIssue> {
    const action = 'issuing an enrollment link';
    const since = link.issuedAt - bounds.windowMs;
    try {
      // Under the user's lock (then the address's): the counts, the close and the insert of two nodes issuing
      // at once take turns, so the bounds hold exactly and one link stays open (the unique index would refuse two).
      return await inTransaction(this.#pool, async (client) => {
        await queryOrFail(client, LOCK, [...enrollmentUserLock(link.user)], action);
        const mine = await queryOrFail<{ n: number }>(client, COUNT_USER, [link.user, since], action);
        if ((mine.rows[0]?.n ?? 0) >= bounds.perUser) return 'limited';
        if (link.source !== '') {
          await queryOrFail(client, LOCK, [...enrollmentSourceLock(link.source)], action);
          const theirs = await queryOrFail<{ n: number }>(client, COUNT_SOURCE, [link.source, since], action);
          if ((theirs.rows[0]?.n ?? 0) >= bounds.perSource) return 'limited';
        }
        await queryOrFail(client, CLOSE, [link.user], action);
        // Not through queryOrFail: the catch below must see the driver's error, and which constraint refused.
        await client.query({ ...INSERT, values: valuesOfLink(link) });
        return 'issued';
      });
    } catch (error) {
      // A code drawn twice, against a stored row or one another node is inserting for another user right now (its
      // user lock is not ours): the primary key refuses it and the transaction rolls back, the close with it, so
      // nothing is stored or counted. A failure of the open-link index stays an error.
      if (isUniqueViolation(error, 'enrollment_links_pkey')) return 'taken';
      throw toStoreError(error, action);
    }
  }

  peek(key: string, now: number): Promise<StoredEnrollmentLink | undefined> {
    return this.#link(PEEK, [key, now], 'reading an enrollment link');
  }

  take(key: string, now: number): Promise<StoredEnrollmentLink | undefined> {
    return this.#link(TAKE, [key, now], 'taking an enrollment link');
  }

  holdTotp(key: string, secret: Uint8Array, now: number): Promise<StoredEnrollmentLink | undefined> {
    const sealed = sealLinkTotp(key, secret, this.#sealer);
    return this.#link(HOLD, [key, now, sealed], 'keeping the TOTP key of an enrollment link');
  }

  async pendingTotp(user: string, transactionId: string, now: number): Promise<HeldTotp | undefined> {
    const { rows } = await queryOrFail<HeldTotpRow>(
      this.#pool,
      PENDING,
      [user, transactionId, now],
      'reading the TOTP key of an enrollment link',
    );
    return heldOfRow(rows[0], this.#sealer);
  }

  async sweep(now: number, windowMs: number): Promise<number> {
    const result = await queryOrFail(this.#pool, SWEEP, [now, now - windowMs], 'sweeping enrollment links');
    return result.rowCount ?? 0;
  }

  async #link(
    statement: NamedStatement,
    values: unknown[],
    action: string,
  ): Promise<StoredEnrollmentLink | undefined> {
    const { rows } = await queryOrFail<EnrollmentLinkRow>(this.#pool, statement, values, action);
    return rows[0] === undefined ? undefined : linkOfRow(rows[0]);
  }
}
