// Owns the SQLite adapter of the TokenStore port; seeds are sealed at rest (docs/security.md A9.1).
import type Database from 'better-sqlite3';
import { nameKey, PLAIN_NAME_CHARS } from '../../domain/name-key.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type {
  NewToken,
  OtpAlgorithm,
  Token,
  TokenStore,
  TokenSuccess,
  TokenType,
} from '../../domain/token.js';
import { HolderSpellings, tokenConflict } from '../../domain/token-admission.js';
import { SealError, type Sealer } from '../sealer.js';
import { isUniqueViolation, toStoreError } from './sqlite-errors.js';
import type { SqliteStoreOptions } from './sqlite-user-store.js';

/**
 * The holders that may share a name key with a batch (?: the batch's keys as a JSON array), a superset the caller
 * narrows with nameKey. A plain name's key (PLAIN_NAME_CHARS) is its ASCII lower case, which SQLite's built-in
 * `lower()` computes, so a plain holder is read only when that is one of the keys; every other name is read.
 * Two halves joined by UNION so each finds its rows through its own index of migration 15 (one query with OR
 * scanned the table: 260 ms at 300,000 tokens, against 0.13 ms).
 */
export const HOLDERS_OF_KEYS =
  'SELECT user_name FROM tokens WHERE lower(user_name) IN (SELECT value FROM json_each(?)) ' +
  `UNION SELECT user_name FROM tokens WHERE user_name GLOB '*[^${PLAIN_NAME_CHARS}]*'`;

interface TokenRow {
  id: number;
  serial: string;
  user_name: string;
  type: string;
  secret_sealed: string;
  algorithm: string;
  digits: number;
  period: number;
  last_used: number;
  drift: number;
  failures: number;
  locked_until: string | null;
  label: string;
  created_at: string;
}

type InsertArgs = [string, string, string, string, string, number, number, number, string, string];

const COLUMNS =
  'id, serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, drift, failures, ' +
  'locked_until, label, created_at';

/** The associated data that binds a sealed seed to its token: a value copied to another row does not open. */
export function tokenSecretAad(serial: string): string {
  return `token:${serial}:secret`;
}

/** Tokens in SQLite. Every statement is prepared once; the replay guard is a single conditional UPDATE. */
export class SqliteTokenStore implements TokenStore {
  readonly #sealer: Sealer;
  readonly #now: () => Date;
  /** Rows as arrays: better-sqlite3 builds an array three times faster than a keyed object (the login index). */
  readonly #all: Database.Statement<[], unknown[]>;
  readonly #byUser: Database.Statement<[string], TokenRow>;
  readonly #bySerial: Database.Statement<[string], TokenRow>;
  readonly #insert: Database.Statement<InsertArgs, TokenRow>;
  readonly #insertCode: Database.Statement<[number, Buffer]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #setLabel: Database.Statement<[string, string]>;
  readonly #cas: Database.Statement<[number, number, string, number, number]>;
  readonly #raise: Database.Statement<[number, number, number, number]>;
  readonly #raiseAll: (marks: ReadonlyMap<number, { lastUsed: number; drift: number }>) => number;
  readonly #fail: Database.Statement<[string, string], number>;
  readonly #reset: Database.Statement<[string]>;
  readonly #lock: Database.Statement<[string | null, string]>;
  readonly #useCode: Database.Statement<[string, Buffer, string]>;
  readonly #unused: Database.Statement<[string], number>;
  readonly #addMany: (tokens: readonly NewToken[]) => Token[];
  readonly #holders: Database.Statement<[string], string>;

  constructor(db: Database.Database, sealer: Sealer, options: SqliteStoreOptions = {}) {
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
    this.#all = db.prepare<[], unknown[]>(`SELECT ${COLUMNS} FROM tokens ORDER BY id`).raw();
    this.#byUser = db.prepare(`SELECT ${COLUMNS} FROM tokens WHERE user_name = ? ORDER BY id`);
    this.#bySerial = db.prepare(`SELECT ${COLUMNS} FROM tokens WHERE serial = ?`);
    this.#insert = db.prepare(
      'INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, label, ' +
        `created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    );
    this.#insertCode = db.prepare('INSERT INTO backup_codes (token_id, code_hash) VALUES (?, ?)');
    // Backup codes go with their token (ON DELETE CASCADE; foreign_keys is on in openSqlite).
    this.#delete = db.prepare('DELETE FROM tokens WHERE serial = ?');
    this.#setLabel = db.prepare('UPDATE tokens SET label = ? WHERE serial = ?');
    // docs/security.md A6.4: compare-and-set. Of two requests (or nodes) that verified the same code against the same
    // stored value, only the first UPDATE matches; the second sees the new value and changes nothing.
    this.#cas = db.prepare(
      'UPDATE tokens SET last_used = ?, drift = ? WHERE serial = ? AND last_used = ? AND ? > last_used',
    );
    // Folding the replay journal in: only ever forward (A6.4), whatever the database holds now.
    this.#raise = db.prepare('UPDATE tokens SET last_used = ?, drift = ? WHERE id = ? AND last_used < ?');
    this.#raiseAll = db.transaction((marks: ReadonlyMap<number, { lastUsed: number; drift: number }>) => {
      let raised = 0;
      for (const [id, mark] of marks)
        raised += this.#raise.run(mark.lastUsed, mark.drift, id, mark.lastUsed).changes;
      return raised;
    });
    this.#fail = db
      .prepare<[string, string], number>(
        'UPDATE tokens SET failures = failures + 1, last_failure_at = ? WHERE serial = ? RETURNING failures',
      )
      .pluck();
    this.#reset = db.prepare('UPDATE tokens SET failures = 0, locked_until = NULL WHERE serial = ?');
    this.#lock = db.prepare('UPDATE tokens SET locked_until = ? WHERE serial = ?');
    this.#useCode = db.prepare(
      'UPDATE backup_codes SET used_at = ? WHERE used_at IS NULL AND code_hash = ? ' +
        "AND token_id = (SELECT id FROM tokens WHERE serial = ? AND type = 'backup')",
    );
    this.#unused = db
      .prepare<[string], number>(
        'SELECT count(*) FROM backup_codes WHERE used_at IS NULL ' +
          'AND token_id = (SELECT id FROM tokens WHERE serial = ?)',
      )
      .pluck();
    this.#holders = db.prepare<[string], string>(HOLDERS_OF_KEYS).pluck();
    this.#addMany = db.transaction((tokens: readonly NewToken[]) => {
      // The holders of the batch's name keys, read once per batch and kept up to date as the batch goes in (an
      // import is one batch). The statement reads a superset (see HOLDERS_OF_KEYS); the keys narrow it.
      const keys = new Set(tokens.map((token) => nameKey(token.userName)));
      const spellings = new HolderSpellings(
        this.#holders.all(JSON.stringify([...keys])).filter((name) => keys.has(nameKey(name))),
      );
      return tokens.map((token) => {
        // Inserted first, so a used serial is ALREADY_EXISTS; a conflict then rolls the whole batch back. Rows
        // inserted earlier in this transaction are visible, so a batch is checked against itself too.
        const added = this.#insertToken(token);
        const others = this.listForUser(token.userName).filter((t) => t.id !== added.id);
        const conflict = tokenConflict(token, others, spellings.of(token.userName));
        if (conflict !== undefined)
          throw new StoreError(StoreErrorCode.Conflict, `token ${token.serial}: ${conflict}`);
        spellings.add(token.userName);
        return added;
      });
    });
  }

  #toToken(row: TokenRow): Token {
    const secret = this.#open(row.secret_sealed, row.serial);
    return {
      id: row.id,
      serial: row.serial,
      userName: row.user_name,
      type: row.type as TokenType, // the CHECK constraint admits nothing else
      secret,
      algorithm: row.algorithm as OtpAlgorithm,
      digits: row.digits,
      period: row.period,
      lastUsed: row.last_used,
      drift: row.drift,
      failures: row.failures,
      lockedUntil: row.locked_until,
      label: row.label,
      createdAt: row.created_at,
    };
  }

  #open(sealed: string, serial: string): Uint8Array {
    try {
      return this.#sealer.open(sealed, tokenSecretAad(serial));
    } catch (error) {
      // docs/security.md A9.4: a key that does not open the seeds is broken infrastructure; callers fail closed.
      const why = error instanceof SealError ? error.code : 'unknown error';
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `secret of token ${JSON.stringify(serial)} does not open (${why}): wrong key file or altered row`,
        { cause: error },
      );
    }
  }

  #insertToken(token: NewToken): Token {
    const sealed = this.#sealer.seal(token.secret, tokenSecretAad(token.serial));
    const row = this.#insert.get(
      token.serial,
      token.userName,
      token.type,
      sealed,
      token.algorithm,
      token.digits,
      token.period ?? 30,
      token.lastUsed ?? -1,
      token.label ?? '',
      this.#now().toISOString(),
    )!;
    for (const hash of token.backupCodeHashes ?? []) this.#insertCode.run(row.id, Buffer.from(hash));
    return this.#toToken(row);
  }

  #read<T>(run: () => T, action: string): T {
    try {
      return run();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  list(): Token[] {
    return this.#read(() => {
      const tokens: Token[] = [];
      // Same order as COLUMNS; built straight from the row array (no keyed row object per token at start-up).
      for (const r of this.#all.iterate()) {
        const serial = r[1] as string;
        tokens.push({
          id: r[0] as number,
          serial,
          userName: r[2] as string,
          type: r[3] as TokenType,
          secret: this.#open(r[4] as string, serial),
          algorithm: r[5] as OtpAlgorithm,
          digits: r[6] as number,
          period: r[7] as number,
          lastUsed: r[8] as number,
          drift: r[9] as number,
          failures: r[10] as number,
          lockedUntil: r[11] as string | null,
          label: r[12] as string,
          createdAt: r[13] as string,
        });
      }
      return tokens;
    }, 'listing tokens');
  }

  listForUser(userName: string): Token[] {
    return this.#read(() => this.#byUser.all(userName), 'listing tokens').map((row) => this.#toToken(row));
  }

  getBySerial(serial: string): Token | undefined {
    const row = this.#read(() => this.#bySerial.get(serial), 'reading a token');
    return row ? this.#toToken(row) : undefined;
  }

  add(token: NewToken): Token {
    return this.#write(() => this.#addMany([token])[0]!, 'adding a token');
  }

  addMany(tokens: readonly NewToken[]): number {
    return this.#write(() => this.#addMany(tokens).length, 'importing tokens');
  }

  #write<T>(run: () => T, action: string): T {
    try {
      return run();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError(StoreErrorCode.AlreadyExists, 'a token with this serial already exists', {
          cause: error,
        });
      }
      throw toStoreError(error, action);
    }
  }

  remove(serial: string): boolean {
    return this.#read(() => this.#delete.run(serial).changes > 0, 'removing a token');
  }

  setLabel(serial: string, label: string): boolean {
    return this.#read(() => this.#setLabel.run(label, serial).changes > 0, 'renaming a token');
  }

  recordSuccess(serial: string, success: TokenSuccess): boolean {
    const { expectedLastUsed, newLastUsed, drift } = success;
    return this.#read(
      () => this.#cas.run(newLastUsed, drift, serial, expectedLastUsed, newLastUsed).changes === 1,
      'recording a token success',
    );
  }

  /**
   * Moves `lastUsed` forward to the journal's marks (token id → mark) in one transaction; never backwards.
   * @returns how many tokens moved
   */
  applyReplayMarks(marks: ReadonlyMap<number, { lastUsed: number; drift: number }>): number {
    return this.#read(() => this.#raiseAll(marks), 'folding the replay journal into the tokens');
  }

  recordFailure(serial: string, now: Date): number | undefined {
    return this.#read(() => this.#fail.get(now.toISOString(), serial), 'recording a token failure');
  }

  resetFailures(serial: string): boolean {
    return this.#read(() => this.#reset.run(serial).changes > 0, 'resetting token failures');
  }

  setLockedUntil(serial: string, lockedUntil: string | null): boolean {
    return this.#read(() => this.#lock.run(lockedUntil, serial).changes > 0, 'locking a token');
  }

  useBackupCode(serial: string, codeHash: Uint8Array, now: Date): boolean {
    const hash = Buffer.from(codeHash);
    return this.#read(
      () => this.#useCode.run(now.toISOString(), hash, serial).changes === 1,
      'using a backup code',
    );
  }

  unusedBackupCodes(serial: string): number {
    return this.#read(() => this.#unused.get(serial) ?? 0, 'counting backup codes');
  }
}
