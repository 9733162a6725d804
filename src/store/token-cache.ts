// Owns the tokens held in memory: by user and by serial, the user looked up last, and what a miss means.
import type { Token } from '../domain/token.js';
import { distinctCodeLengths } from '../domain/token.js';
import { packForIndex } from './token-packing.js';

/** A cached token: the replay guard moves `lastUsed` and `drift` in place, packing replaces seeds and text. */
export type MutableToken = { -readonly [K in keyof Token]: Token[K] };

/** A user's cached tokens, and the code lengths they take (for splitting `concat` passwords). */
export interface CachedUser {
  readonly tokens: MutableToken[];
  readonly codeLengths: readonly number[];
}

/**
 * The decoded tokens of CachingTokenStore. Complete mode (after `load`): every token is here, so a user with none
 * here holds none, unless the user changed since (`drop`). Lazy mode: users are kept as they are read, and
 * memory is emptied when it holds `maxUsers`. Lookups are synchronous and allocate nothing (the RADIUS hot path).
 */
export class TokenCache {
  private readonly byUser = new Map<string, CachedUser>();
  /** The same cached objects by serial, for a compare-and-set that does not follow a list of its user. */
  private readonly bySerial = new Map<string, MutableToken>();
  /** The user looked up last: one login asks for its tokens up to three times in one pass, and a lookup in a map
   * of a few hundred thousand users costs about a microsecond in cache misses, a compare almost nothing. */
  private lastName: string | undefined;
  private last: CachedUser | undefined;
  /** Complete mode: users changed since their tokens were read, so a miss on them must ask the store. */
  private readonly reread = new Set<string>();
  private complete = false;

  constructor(private readonly maxUsers: number) {}

  /** True once every token is in memory (`load`). */
  get isComplete(): boolean {
    return this.complete;
  }

  /** Holds exactly `tokens` (every token of the store) and turns complete. */
  load(tokens: readonly MutableToken[]): void {
    this.clear();
    const byUser = new Map<string, MutableToken[]>();
    for (const token of tokens) {
      const list = byUser.get(token.userName);
      if (list === undefined) byUser.set(token.userName, [token]);
      else list.push(token);
      this.bySerial.set(token.serial, token);
    }
    for (const [name, list] of byUser)
      this.byUser.set(name, { tokens: list, codeLengths: distinctCodeLengths(list) });
    packForIndex(this.bySerial.values());
    this.complete = true;
  }

  /** Forgets every token and turns lazy, so that every read asks the store rather than trusting memory. */
  turnLazy(): void {
    this.complete = false;
    this.clear();
  }

  clear(): void {
    this.byUser.clear();
    this.bySerial.clear();
    this.reread.clear();
    this.forgetLast();
  }

  private forgetLast(): void {
    this.lastName = undefined;
    this.last = undefined;
  }

  /** True when a miss on `userName` means the user holds no tokens: complete, and the user not changed since. */
  holdsNone(userName: string): boolean {
    return this.complete && !this.reread.has(userName);
  }

  user(userName: string): CachedUser | undefined {
    if (userName === this.lastName) return this.last;
    const hit = this.byUser.get(userName);
    if (hit !== undefined) {
      this.lastName = userName;
      this.last = hit;
    }
    return hit;
  }

  /** The cached object of a serial; the last user's list answers without a map lookup. */
  token(serial: string): MutableToken | undefined {
    const last = this.last;
    if (last !== undefined) for (const token of last.tokens) if (token.serial === serial) return token;
    return this.bySerial.get(serial);
  }

  /** The user of a cached serial, or undefined when this cache does not hold it. */
  ownerOf(serial: string): string | undefined {
    return this.bySerial.get(serial)?.userName;
  }

  /** Keeps a user's tokens as read from the store; the user is no longer one to read again. */
  keep(userName: string, tokens: Token[]): void {
    this.reread.delete(userName);
    // Users without tokens are not cached, so made-up names cannot fill memory.
    if (tokens.length > 0) {
      if (!this.complete && this.byUser.size >= this.maxUsers) this.clear();
      const cached: CachedUser = {
        tokens: tokens as MutableToken[],
        codeLengths: distinctCodeLengths(tokens),
      };
      this.byUser.set(userName, cached);
      for (const token of cached.tokens) this.bySerial.set(token.serial, token);
      this.lastName = userName;
      this.last = cached;
    }
  }

  /** Forgets one user's cached tokens; in complete mode, a miss on the user then asks the store. */
  drop(userName: string): void {
    if (this.complete) this.reread.add(userName);
    const cached = this.byUser.get(userName);
    if (cached === undefined) return;
    this.byUser.delete(userName);
    for (const token of cached.tokens) this.bySerial.delete(token.serial);
    if (this.last === cached) this.forgetLast();
  }
}
