// Owns reading a JSON request body strictly (SECURITY A8.7): duplicate keys and deep nesting are refused.

/** Deeper bodies are refused: no device message nests more than a few levels. */
export const MAX_JSON_DEPTH = 16;

export type StrictJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly detail: string };

/**
 * Parses `text` as JSON, refusing a key that appears twice in one object (RFC 8259 §4 leaves it to the parser;
 * we refuse, so no field can be smuggled past a check that saw the other copy) and nesting deeper than
 * MAX_JSON_DEPTH. A scan for structure first, then JSON.parse for the values.
 */
export function parseStrictJson(text: string): StrictJsonResult {
  // Each open object keeps its keys; an array keeps null. `expectKey` is true right after `{` or an object's `,`.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      }
      if (expectKey) {
        const keys = stack[stack.length - 1];
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return { ok: false, detail: 'malformed JSON' };
        }
        if (keys?.has(key)) return { ok: false, detail: `duplicate key ${JSON.stringify(key.slice(0, 40))}` };
        keys?.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_JSON_DEPTH)
        return { ok: false, detail: `nested deeper than ${MAX_JSON_DEPTH}` };
      stack.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, detail: 'malformed JSON' };
  }
}
