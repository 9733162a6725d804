// Owns tokenising one FreeRADIUS `users`-file attribute list: `Attr op value, Attr op value …`.

/** One `Attribute op value` item. `column` is 1-based within the line. */
export interface AttributeItem {
  readonly attribute: string;
  readonly operator: string;
  readonly value: string;
  readonly quote: '"' | "'" | '`' | null;
  readonly column: number;
}

export type AttributeListResult =
  | { readonly ok: true; readonly items: AttributeItem[] }
  | { readonly ok: false; readonly column: number; readonly expected: string };

const ATTRIBUTE = /&?[A-Za-z0-9][A-Za-z0-9\-_.:]*/y;
// Longest operators first, so `:=` is not read as `:` and `==` not as `=`.
const OPERATOR = /:=|==|\+=|-=|!=|>=|<=|=~|!~|=\*|!\*|=|>|</y;
const BARE_VALUE = /[^\s,#"'`]+/y;
const SPACE = /[ \t]*/y;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' };

/**
 * Splits an attribute list as FreeRADIUS's `users` file writes it: items separated by commas, values bare or
 * quoted (`"…"` with backslash escapes, `'…'`, `` `…` ``), optional trailing comma, `#` comment to end of line.
 * @param offset column of `text`'s first character within its line, so errors point at the real column
 */
export function parseAttributeList(text: string, offset = 0): AttributeListResult {
  const items: AttributeItem[] = [];
  let at = skipSpace(text, 0);
  while (at < text.length && text[at] !== '#') {
    const start = at;
    const attribute = match(ATTRIBUTE, text, at);
    if (attribute === undefined) return { ok: false, column: offset + at + 1, expected: 'an attribute name' };
    at = skipSpace(text, at + attribute.length);
    const operator = match(OPERATOR, text, at);
    if (operator === undefined)
      return { ok: false, column: offset + at + 1, expected: 'an operator such as :=' };
    at = skipSpace(text, at + operator.length);
    const value = readValue(text, at);
    if (value === undefined) return { ok: false, column: offset + at + 1, expected: 'a value' };
    items.push({
      attribute: attribute.replace(/^&/, ''),
      operator,
      value: value.value,
      quote: value.quote,
      column: offset + start + 1,
    });
    at = skipSpace(text, value.end);
    if (text[at] === ',') at = skipSpace(text, at + 1);
    else if (at < text.length && text[at] !== '#') {
      return { ok: false, column: offset + at + 1, expected: 'a comma between items' };
    }
  }
  return { ok: true, items };
}

function readValue(
  text: string,
  at: number,
): { value: string; quote: AttributeItem['quote']; end: number } | undefined {
  const quote = text[at];
  if (quote !== '"' && quote !== "'" && quote !== '`') {
    const bare = match(BARE_VALUE, text, at);
    return bare === undefined ? undefined : { value: bare, quote: null, end: at + bare.length };
  }
  let value = '';
  for (let i = at + 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === quote) return { value, quote, end: i + 1 };
    if (char === '\\' && quote === '"' && i + 1 < text.length) {
      const next = text[++i]!;
      value += ESCAPES[next] ?? next;
    } else {
      value += char;
    }
  }
  return undefined; // unterminated string
}

function match(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(text);
  return SPACE.lastIndex;
}
