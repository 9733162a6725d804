// Owns the in-memory index of users holding tokens (and their code lengths), so the login hot path asks a Map.
import type { Awaitable } from '../domain/awaitable.js';
import { AMBIGUOUS_NAME, type AmbiguousName, nameKey } from '../domain/name-key.js';
import { codeLength } from '../domain/token.js';

/** The few reads the index needs, answered by the SQLite or the PostgreSQL adapter. */
export interface HolderQueries {
  /** Every token as `[user_name, type, digits]`, oldest first. */
  allTokens(): Awaitable<Iterable<readonly [string, string, number]>>;
  /** Names with at least one push device. */
  pushHolders(): Awaitable<Iterable<string>>;
  /** One user's tokens, oldest first. */
  userTokens(userName: string): Awaitable<Iterable<{ readonly type: string; readonly digits: number }>>;
  userHasPush(userName: string): Awaitable<boolean>;
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * Which users have a second factor enrolled, and how many digits their codes have (for splitting `concat`
 * passwords). Loaded once; the change feed then refreshes the users some writer changed (`refreshUser`), so no
 * query runs per login.
 */
export class TokenHolders {
  private lengths = new Map<string, readonly number[]>();
  /**
   * {@link nameKey} → the spellings holding tokens under it that are not their own key (issue 12: `lara` and
   * `Lara` are one key; `Lara` is listed under `lara`, while `lara` is found in `lengths`). Most names are their
   * own key, so this stays small.
   */
  private byKey = new Map<string, string[]>();
  private readonly lengthLists = new Map<string, readonly number[]>();
  /** Users with an enrolled push authenticator (docs/push.md): the challenge offers push to them. */
  private pushHolders = new Set<string>();

  /** Per user, the newest re-read asked for: an older read that answers later is not applied over it. */
  private readonly asked = new Map<string, number>();
  private asks = 0;

  /** Empty until `refresh` (the login index fills it from the tokens it reads anyway). */
  constructor(private readonly queries: HolderQueries) {}

  /** Reads one user's tokens and devices again (the change feed said they changed): two indexed queries. */
  refreshUser(userName: string): Awaitable<void> {
    const tokens = this.queries.userTokens(userName);
    const push = this.queries.userHasPush(userName);
    if (!(tokens instanceof Promise) && !(push instanceof Promise)) {
      this.applyUser(userName, tokens, push);
      return;
    }
    const ask = ++this.asks;
    this.asked.set(userName, ask);
    return Promise.all([tokens, push]).then(([rows, hasPush]) => {
      if (this.asked.get(userName) !== ask) return;
      this.asked.delete(userName);
      this.applyUser(userName, rows, hasPush);
    });
  }

  private applyUser(
    userName: string,
    rows: Iterable<{ readonly type: string; readonly digits: number }>,
    push: boolean,
  ): void {
    const lengths: number[] = [];
    for (const row of rows) {
      const digits = codeLength(row);
      if (!lengths.includes(digits)) lengths.push(digits);
    }
    if (push) this.pushHolders.add(userName);
    else this.pushHolders.delete(userName);
    const holds = lengths.length > 0 || push;
    if (holds) this.lengths.set(userName, this.shared(lengths));
    else this.lengths.delete(userName);
    const key = nameKey(userName);
    // A name that is its own key is found through `lengths`; only other spellings are listed under their key.
    if (key === userName) return;
    const spellings = this.byKey.get(key) ?? [];
    const rest = spellings.filter((name) => name !== userName);
    if (holds) rest.push(userName);
    if (rest.length === 0) this.byKey.delete(key);
    else this.byKey.set(key, rest);
  }

  /** One frozen array per distinct list of lengths: most holders share `[6]`. */
  private shared(lengths: readonly number[]): readonly number[] {
    const id = lengths.join(',');
    let known = this.lengthLists.get(id);
    if (known === undefined) {
      known = Object.freeze([...lengths]);
      this.lengthLists.set(id, known);
    }
    return known;
  }

  /** Reads every holder again; from `tokens` (every token, oldest first) when given, else from the database. */
  refresh(
    tokens?: readonly { readonly userName: string; readonly type: string; readonly digits: number }[],
  ): Awaitable<void> {
    const all = tokens === undefined ? this.queries.allTokens() : undefined;
    const push = this.queries.pushHolders();
    if (!(all instanceof Promise) && !(push instanceof Promise)) {
      this.applyAll(tokens, all, push);
      return;
    }
    const ask = ++this.asks;
    this.asked.clear();
    this.wholeAsk = ask;
    return Promise.all([all, push]).then(([rows, holders]) => {
      if (this.wholeAsk !== ask) return;
      this.applyAll(tokens, rows, holders);
    });
  }

  private wholeAsk = 0;

  private applyAll(
    tokens:
      | readonly { readonly userName: string; readonly type: string; readonly digits: number }[]
      | undefined,
    rows: Iterable<readonly [string, string, number]> | undefined,
    pushHolders: Iterable<string>,
  ): void {
    const next = new Map<string, number[]>();
    const add = (userName: string, digits: number) => {
      const list = next.get(userName);
      if (list === undefined) next.set(userName, [digits]);
      else if (!list.includes(digits)) list.push(digits);
    };
    if (tokens === undefined)
      for (const [userName, type, digits] of rows ?? []) add(userName, codeLength({ type, digits }));
    else for (const token of tokens) add(token.userName, codeLength(token));
    // A push device is a second factor too: its holder is challenged like a token holder, with no code lengths.
    const push = new Set(pushHolders);
    for (const name of push) if (!next.has(name)) next.set(name, []);
    const byKey = new Map<string, string[]>();
    for (const [name, lengths] of next) {
      next.set(name, this.shared(lengths) as number[]);
      const key = nameKey(name);
      if (key === name) continue;
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
    if (this.lengths.has(userName)) return userName;
    const key = nameKey(userName);
    const others = this.byKey.get(key);
    // The key itself may be a stored name (`lara` for `Lara`): it is listed in `lengths`, not under `byKey`.
    const self = this.lengths.has(key);
    const count = (others?.length ?? 0) + (self ? 1 : 0);
    if (count === 0) return undefined;
    if (count > 1) return AMBIGUOUS_NAME;
    return self ? key : others![0];
  }

  /** Distinct code lengths of the user's tokens, oldest token first; empty when none. */
  codeLengthsOf(userName: string): readonly number[] {
    return this.lengths.get(userName) ?? NONE;
  }
}
