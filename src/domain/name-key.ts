// Owns the one rule by which two spellings of a user name are "the same user" for Assent's own records.

/**
 * The key under which Assent matches user names to its own records (token holders, local users): Unicode NFKC
 * (full-width and other compatibility forms fold to their plain letters, NFD to NFC), spaces at either end
 * dropped and inner runs of spaces made one, then lower case. It is deliberately at least as coarse as an LDAP
 * directory's `caseIgnoreMatch` (RFC 4518 §2: NFKC, case folding, insignificant space handling), so any two
 * spellings a directory takes for one person share a key here, and a key shared by two different spellings is
 * seen as ambiguous rather than silently picking one of them.
 */
export function nameKey(name: string): string {
  // Plain lower-case ASCII without spaces is its own key: skip the normaliser for the common case.
  if (/^[a-z0-9._@-]*$/.test(name)) return name;
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The characters of a plain name, as a bracket-expression range: printable ASCII without the space (`!` to `~`).
 * The key of a name made of these alone is its ASCII lower case (NFKC leaves ASCII as it is, and there is no
 * space to trim or join), which is exactly what a database's byte-wise `lower()` computes (PostgreSQL under
 * COLLATE "C", SQLite's built-in). So a store can find the plain holders of a key in SQL; any other name it must
 * read and key with {@link nameKey}.
 */
export const PLAIN_NAME_CHARS = '!-~';

/** What a lookup by {@link nameKey} answers when two different stored spellings share the key. */
export const AMBIGUOUS_NAME: unique symbol = Symbol('ambiguous name');
export type AmbiguousName = typeof AMBIGUOUS_NAME;

/**
 * Finds the stored spelling for `name` among `stored`: the same spelling when stored, else the one stored
 * spelling with the same {@link nameKey}; undefined when none; {@link AMBIGUOUS_NAME} when several share the key.
 */
export function storedSpelling(
  name: string,
  exact: { has(name: string): boolean },
  byKey: ReadonlyMap<string, readonly string[]>,
): string | undefined | AmbiguousName {
  if (exact.has(name)) return name;
  const spellings = byKey.get(nameKey(name));
  if (spellings === undefined) return undefined;
  return spellings.length === 1 ? spellings[0] : AMBIGUOUS_NAME;
}
