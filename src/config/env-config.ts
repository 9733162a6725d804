// Owns reading `ASSENT_*` environment variables into a partial configuration, coerced by the schema's types.
import { type ConfigField, ENV_PREFIX, listConfigFields } from './config-fields.js';

/**
 * Variables with the prefix that are not settings: the configuration file's path, and the launcher's choice of
 * src/ over build/ (bin/build-state.js).
 */
export const RESERVED_ENV_NAMES: readonly string[] = ['ASSENT_CONFIG', 'ASSENT_FROM_SOURCE'];

export interface EnvLayer {
  /** A partial configuration object holding the coerced values. */
  readonly values: Record<string, unknown>;
  /** Dotted key → the variable it came from. */
  readonly sources: ReadonlyMap<string, string>;
  readonly errors: readonly string[];
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);
const OFF_WORDS = new Set(['off', 'null', 'none', '']);

/**
 * Turns the text of a variable into the field's type. Text that does not fit is returned unchanged, so the
 * schema check reports it with the key, the expected values and what arrived.
 */
export function coerceEnvValue(field: ConfigField, raw: string): unknown {
  const text = raw.trim();
  switch (field.kind) {
    case 'string':
    case 'choice':
      return text;
    case 'string-list':
      return text === '' ? [] : text.split(',').map((item) => item.trim());
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return raw;
    }
    case 'nullable-integer':
      if (OFF_WORDS.has(text.toLowerCase())) return null;
      return /^-?\d+$/.test(text) ? Number(text) : raw;
    case 'integer':
      return /^-?\d+$/.test(text) ? Number(text) : raw;
    case 'yaml':
      return raw;
  }
}

/** Levenshtein distance, to suggest the name that was probably meant. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate closest to `name` (ties: the first in schema order). */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Reads every `ASSENT_*` variable of `env`. An unknown one is an error naming it and the closest valid name,
 * because a mistyped variable would otherwise be ignored without a word.
 */
export function readEnvLayer(
  env: NodeJS.ProcessEnv,
  fields: readonly ConfigField[] = listConfigFields(),
): EnvLayer {
  const byEnv = new Map(fields.filter((field) => field.env !== '').map((field) => [field.env, field]));
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const errors: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV_NAMES.includes(name)) continue;
    const raw = env[name];
    if (raw === undefined) continue;
    const field = byEnv.get(name);
    if (!field) {
      const hint = closestName(name, [...byEnv.keys()]);
      errors.push(`${name}: unknown environment variable${hint ? `; did you mean ${hint}?` : ''}`);
      continue;
    }
    setPath(values, field.path, coerceEnvValue(field, raw));
    sources.set(field.key, name);
  }
  return { values, sources, errors };
}
