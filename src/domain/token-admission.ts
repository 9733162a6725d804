// Owns the rules a new token must pass before a store keeps it (issue 12): one spelling per user, one token per secret.
import { timingSafeEqual } from 'node:crypto';
import { nameKey } from './name-key.js';
import { type NewToken, type Token, TokenType } from './token.js';

/**
 * Why `token` may not join the tokens already held, or undefined when it may.
 * - Another spelling of the user name (same {@link nameKey}) already holds tokens: a second spelling would make
 *   the holder ambiguous at login (refused there as IDENTITY_AMBIGUOUS), so it is refused here first.
 * - The user already holds a token with the same secret: each copy would take the same code once (SECURITY A6.4
 *   holds per token), so one code would log in twice. Backup tokens are exempt: their "secret" is a random salt.
 * @param heldByUser the tokens held under exactly `token.userName`, secrets in clear
 * @param spellings the user names holding tokens under the same key as `token.userName` (may include it)
 */
export function tokenConflict(
  token: NewToken,
  heldByUser: readonly (Secretive & Pick<Token, 'serial'>)[],
  spellings: Iterable<string>,
): string | undefined {
  for (const other of spellings) {
    if (other !== token.userName) {
      return (
        `tokens are held under ${JSON.stringify(other)}, which differs from ${JSON.stringify(token.userName)} only ` +
        'in case, spaces or width: enrol under that name (one user, one spelling)'
      );
    }
  }
  for (const held of heldByUser) {
    if (shareSecret(held, token)) {
      return (
        `${JSON.stringify(token.userName)} already holds token ${held.serial} with this secret: ` +
        'a second copy would accept each code twice'
      );
    }
  }
  return undefined;
}

type Secretive = Pick<Token, 'type' | 'secret'>;

/** True when both are code tokens (not backup codes, whose secret is a salt) with the same secret. */
export function shareSecret(a: Secretive, b: Secretive): boolean {
  return (
    a.type !== TokenType.Backup &&
    b.type !== TokenType.Backup &&
    a.secret.length === b.secret.length &&
    timingSafeEqual(a.secret, b.secret)
  );
}

/** Tracks the spellings holding tokens by {@link nameKey}, for checking a batch of new tokens against the store. */
export class HolderSpellings {
  readonly #byKey = new Map<string, Set<string>>();

  constructor(names: Iterable<string>) {
    for (const name of names) this.add(name);
  }

  add(name: string): void {
    const key = nameKey(name);
    const set = this.#byKey.get(key);
    if (set === undefined) this.#byKey.set(key, new Set([name]));
    else set.add(name);
  }

  of(name: string): Iterable<string> {
    return this.#byKey.get(nameKey(name)) ?? [];
  }
}
