// Owns the in-memory index of users holding tokens (and their code lengths), so the login hot path asks a Map.
import type Database from 'better-sqlite3';
import { type AmbiguousName, nameKey, storedSpelling } from '../../domain/name-key.js';
import { codeLength } from '../../domain/token.js';

const NONE: readonly number[] = Object.freeze([]);

/**
 * Which users have a second factor enrolled, and how many digits their codes have (for splitting `concat`
 * passwords). Loaded once; the change feed then refreshes the users some writer changed (`refreshUser`), so no
 * query runs per login.
 */
export class TokenHolders {
  private lengths = new Map<string, readonly number[]>();
  /** {@link nameKey} → the spellings holding tokens under it (issue 12: `lara` and `Lara` are one key). */
  private byKey = new Map<string, string[]>();
  private readonly select: Database.Statement<[], { user_name: string; type: string; digits: number }>;
  private readonly selectPush: Database.Statement<[], string>;
  private readonly selectUser: Database.Statement<[string], { type: string; digits: number }>;
  private readonly selectUserPush: Database.Statement<[string], number>;
  /** Users with an enrolled push authenticator (docs/push.md): the challenge offers push to them. */
  private pushHolders = new Set<string>();

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT user_name, type, digits FROM tokens ORDER BY id');
    this.selectPush = db.prepare<[], string>('SELECT DISTINCT user_name FROM push_devices').pluck();
    this.selectUser = db.prepare('SELECT type, digits FROM tokens WHERE user_name = ? ORDER BY id');
    this.selectUserPush = db
      .prepare<[string], number>('SELECT count(*) FROM push_devices WHERE user_name = ?')
      .pluck();
    this.refresh();
  }

  /** Reads one user's tokens and devices again (the change feed said they changed): two indexed queries. */
  refreshUser(userName: string): void {
    const lengths: number[] = [];
    for (const row of this.selectUser.iterate(userName)) {
      const digits = codeLength(row);
      if (!lengths.includes(digits)) lengths.push(digits);
    }
    const push = this.selectUserPush.get(userName)! > 0;
    if (push) this.pushHolders.add(userName);
    else this.pushHolders.delete(userName);
    const holds = lengths.length > 0 || push;
    const key = nameKey(userName);
    const spellings = this.byKey.get(key);
    if (holds) {
      this.lengths.set(userName, lengths);
      if (spellings === undefined) this.byKey.set(key, [userName]);
      else if (!spellings.includes(userName)) spellings.push(userName);
    } else {
      this.lengths.delete(userName);
      if (spellings !== undefined) {
        const rest = spellings.filter((name) => name !== userName);
        if (rest.length === 0) this.byKey.delete(key);
        else this.byKey.set(key, rest);
      }
    }
  }

  refresh(): void {
    const next = new Map<string, number[]>();
    for (const row of this.select.iterate()) {
      const digits = codeLength(row);
      const list = next.get(row.user_name);
      if (list === undefined) next.set(row.user_name, [digits]);
      else if (!list.includes(digits)) list.push(digits);
    }
    // A push device is a second factor too: its holder is challenged like a token holder, with no code lengths.
    const push = new Set(this.selectPush.all());
    for (const name of push) if (!next.has(name)) next.set(name, []);
    const byKey = new Map<string, string[]>();
    for (const name of next.keys()) {
      const key = nameKey(name);
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [name]);
      else list.push(name);
    }
    this.lengths = next;
    this.byKey = byKey;
    this.pushHolders = push;
  }

  hasPush(userName: string): boolean {
    return this.pushHolders.has(userName);
  }

  has(userName: string): boolean {
    return this.lengths.has(userName);
  }

  /**
   * The name `userName`'s tokens are held under: itself, or the one spelling that differs from it only in case,
   * spaces or width; undefined when the user holds none; AMBIGUOUS_NAME when two spellings hold tokens.
   */
  holderOf(userName: string): string | undefined | AmbiguousName {
    return storedSpelling(userName, this.lengths, this.byKey);
  }

  /** Distinct code lengths of the user's tokens, oldest token first; empty when none. */
  codeLengthsOf(userName: string): readonly number[] {
    return this.lengths.get(userName) ?? NONE;
  }
}
