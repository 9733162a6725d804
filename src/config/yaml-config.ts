// Owns reading the YAML configuration file into a plain object, with parse errors that point at the line.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

/** YAML alias bombs (issue 12): how many nodes one alias may expand to. */
const MAX_ALIAS_COUNT = 100;

export type YamlLayer = { ok: true; values: Record<string, unknown> } | { ok: false; errors: string[] };

/**
 * Reads and parses `file`. An empty file is an empty configuration; anything but a mapping at the top is an
 * error, and so is a duplicate key (YAML 1.2 §3.2.1.1: mapping keys are unique).
 */
export function readYamlLayer(file: string): YamlLayer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { ok: false, errors: [`${file}: cannot read the configuration file (${code})`] };
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((error) => `${file}: ${error.message.split('\n')[0]}`) };
  }
  let values: unknown;
  try {
    // A small alias budget: a few anchors are normal, a "billion laughs" expansion is refused, not computed.
    values = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return {
      ok: false,
      errors: [
        `${file}: ${(error as Error).message} (aliases expand to at most ${MAX_ALIAS_COUNT} nodes each)`,
      ],
    };
  }
  if (values === null || values === undefined) return { ok: true, values: {} };
  if (typeof values !== 'object' || Array.isArray(values)) {
    return {
      ok: false,
      errors: [`${file}: expected a mapping of settings at the top, got ${typeof values}`],
    };
  }
  return { ok: true, values: values as Record<string, unknown> };
}
