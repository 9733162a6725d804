// Owns the SQLite adapter of the EnrollmentLinkStore port: enrollment-at-login links that outlive a restart and
// that every process on the file shares (issue 18, SECURITY A11.4).
import type Database from 'better-sqlite3';
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
import { isPrimaryKeyViolation, toStoreError } from './sqlite-errors.js';

type Values = ReturnType<typeof valuesOfLink>;

/**
 * One row per link in `enrollment_links` (migration 19), a chosen TOTP key sealed (A9.1). Issuing counts, closes
 * the user's open link and inserts in one IMMEDIATE transaction, so two connections issuing at once take turns;
 * every other step is one conditional statement.
 */
export class SqliteEnrollmentLinkStore implements EnrollmentLinkStore {
  readonly #sealer: Sealer;
  readonly #issue: (values: Values, bounds: EnrollmentLinkBounds) => EnrollmentLinkIssue;
  readonly #peek: Database.Statement<[string, number], EnrollmentLinkRow>;
  readonly #take: Database.Statement<[string, number], EnrollmentLinkRow>;
  readonly #hold: Database.Statement<[string, string, number], EnrollmentLinkRow>;
  readonly #pending: Database.Statement<[string, string, number], HeldTotpRow>;
  readonly #sweep: Database.Statement<[number, number]>;

  constructor(db: Database.Database, sealer: Sealer) {
    this.#sealer = sealer;
    const count = (column: string) =>
      db
        .prepare<[string, number], number>(
          `SELECT count(*) FROM enrollment_links WHERE ${column} = ? AND issued_at > ?`,
        )
        .pluck();
    const byUser = count('user_name');
    const bySource = count('source');
    const close = db.prepare<[string]>(
      "UPDATE enrollment_links SET state = 'spent', totp_sealed = NULL WHERE user_name = ? AND state = 'open'",
    );
    const insert = db.prepare<Values>(
      `INSERT INTO enrollment_links (${ENROLLMENT_LINK_COLUMNS}, state) VALUES (?, ?, ?, ?, ?, ?, 'open')`,
    );
    const issue = db.transaction((values: Values, bounds: EnrollmentLinkBounds) => {
      const [, user, , source, issuedAt] = values;
      const since = issuedAt - bounds.windowMs;
      if ((byUser.get(user, since) ?? 0) >= bounds.perUser) return 'limited';
      if (source !== '' && (bySource.get(source, since) ?? 0) >= bounds.perSource) return 'limited';
      close.run(user);
      insert.run(...values);
      return 'issued';
    });
    this.#issue = (values, bounds) => issue.immediate(values, bounds);
    const open = "key = ? AND state = 'open' AND expires_at > ?";
    this.#peek = db.prepare(`SELECT ${ENROLLMENT_LINK_COLUMNS} FROM enrollment_links WHERE ${open}`);
    // A11.4: the conditional update is the single use; a second taker (this process or another) changes no row.
    this.#take = db.prepare(
      `UPDATE enrollment_links SET state = 'spent', totp_sealed = NULL WHERE ${open} ` +
        `RETURNING ${ENROLLMENT_LINK_COLUMNS}`,
    );
    this.#hold = db.prepare<[string, string, number], EnrollmentLinkRow>(
      `UPDATE enrollment_links SET totp_sealed = ? WHERE ${open} RETURNING ${ENROLLMENT_LINK_COLUMNS}`,
    );
    this.#pending = db.prepare(
      'SELECT key, totp_sealed FROM enrollment_links ' +
        "WHERE user_name = ? AND transaction_id = ? AND state = 'open' AND expires_at > ?",
    );
    this.#sweep = db.prepare('DELETE FROM enrollment_links WHERE expires_at <= ? AND issued_at <= ?');
  }

  issue(link: StoredEnrollmentLink, bounds: EnrollmentLinkBounds): EnrollmentLinkIssue {
    try {
      return this.#issue(valuesOfLink(link), bounds);
    } catch (error) {
      // A code drawn twice: the key's primary key refuses the insert and the transaction rolls back, the close
      // with it, so nothing is stored or counted. A failure of the open-link index stays an error.
      if (isPrimaryKeyViolation(error)) return 'taken';
      throw toStoreError(error, 'issuing an enrollment link');
    }
  }

  peek(key: string, now: number): StoredEnrollmentLink | undefined {
    return this.#link(this.#peek, [key, now], 'reading an enrollment link');
  }

  take(key: string, now: number): StoredEnrollmentLink | undefined {
    return this.#link(this.#take, [key, now], 'taking an enrollment link');
  }

  holdTotp(key: string, secret: Uint8Array, now: number): StoredEnrollmentLink | undefined {
    const sealed = sealLinkTotp(key, secret, this.#sealer);
    return this.#link(this.#hold, [sealed, key, now], 'keeping the TOTP key of an enrollment link');
  }

  pendingTotp(user: string, transactionId: string, now: number): HeldTotp | undefined {
    let row: HeldTotpRow | undefined;
    try {
      row = this.#pending.get(user, transactionId, now);
    } catch (error) {
      throw toStoreError(error, 'reading the TOTP key of an enrollment link');
    }
    return heldOfRow(row, this.#sealer);
  }

  sweep(now: number, windowMs: number): number {
    try {
      return this.#sweep.run(now, now - windowMs).changes;
    } catch (error) {
      throw toStoreError(error, 'sweeping enrollment links');
    }
  }

  #link<P extends unknown[]>(
    statement: Database.Statement<P, EnrollmentLinkRow>,
    params: P,
    action: string,
  ): StoredEnrollmentLink | undefined {
    let row: EnrollmentLinkRow | undefined;
    try {
      row = statement.get(...params);
    } catch (error) {
      throw toStoreError(error, action);
    }
    return row === undefined ? undefined : linkOfRow(row);
  }
}
