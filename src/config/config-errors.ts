// Owns turning schema validation failures into messages that name the key, its env variable, and what arrived.
import { Value } from 'typebox/value';
import type { ConfigField } from './config-fields.js';
import { ConfigSchema } from './config-schema.js';
import { closestName } from './env-config.js';

/** Says where the value at a path came from (`ASSENT_X`, a file name, `command line`), if anywhere. */
export type SourceOf = (path: readonly string[]) => string | undefined;

const MAX_SHOWN = 80;

/** A short, JSON-like rendering of a value that arrived; long values are cut. */
export function showValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => path[i] === part);
}

function from(source: string | undefined, env: string | undefined): string {
  if (source === undefined) return env ? ` (env ${env})` : '';
  if (!env || source === env) return ` (from ${source})`;
  return ` (from ${source}; env ${env})`;
}

function unknownKeyMessage(
  path: readonly string[],
  fields: readonly ConfigField[],
  sourceOf: SourceOf,
): string {
  const key = path.join('.');
  const hint = closestName(
    key,
    fields.map((field) => field.key),
  );
  return `${key}: unknown key${from(sourceOf(path), undefined)}${hint ? `; did you mean ${hint}?` : ''}`;
}

/**
 * Checks `value` against the config schema and describes each failure once, in the form
 * `radius.authPort: expected an integer 0–65535, got "abc" (from ASSENT_RADIUS_AUTH_PORT)`.
 */
export function describeConfigErrors(
  value: unknown,
  fields: readonly ConfigField[],
  sourceOf: SourceOf,
): string[] {
  const messages: string[] = [];
  const reported = new Set<string>();
  const errors = [...Value.Errors(ConfigSchema, value)];
  // A choice of constants fails once per constant: gather them, so the message lists what is allowed instead
  // of the validator's "must be equal to constant" (issue 12 item 13).
  const allowed = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword !== 'const') continue;
    const constant = (error.params as { allowedValue?: unknown }).allowedValue;
    allowed.set(error.instancePath, [...(allowed.get(error.instancePath) ?? []), String(constant)]);
  }
  for (const error of errors) {
    const path = pointerToPath(error.instancePath);
    if (error.keyword === 'additionalProperties') {
      const names = (error.params as { additionalProperties?: unknown }).additionalProperties;
      for (const name of Array.isArray(names) ? names : []) {
        messages.push(unknownKeyMessage([...path, String(name)], fields, sourceOf));
      }
      continue;
    }
    if (error.keyword === 'boolean') continue; // the same unknown key, reported above
    const field = fields.find((candidate) => isPrefix(candidate.path, path));
    if (field?.kind === 'yaml') {
      // Inside a map the field's own text says little; name the exact entry and what is wrong with it.
      const key = path.join('.');
      if (reported.has(key)) continue;
      reported.add(key);
      const got = showValue(valueAt(value, path));
      const choices = allowed.get(error.instancePath);
      const problem = choices === undefined ? error.message : `expected one of ${choices.join(', ')}`;
      messages.push(`${key}: ${problem}, got ${got}${from(sourceOf(field.path), undefined)}`);
      continue;
    }
    const at = field ? field.path : path;
    const key = at.length === 0 ? '(top level)' : at.join('.');
    if (reported.has(key)) continue;
    reported.add(key);
    const expected = field ? field.expected : 'a mapping of settings';
    const got = showValue(valueAt(value, at));
    messages.push(`${key}: expected ${expected}, got ${got}${from(sourceOf(at), field?.env)}`);
  }
  return messages;
}
