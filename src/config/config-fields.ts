// Owns the flat view of the config schema: one entry per setting with its dotted key, env name and type text.
import { ConfigSchema } from './config-schema.js';

/** The JSON-schema subset the config schema uses, read structurally so no typebox internals leak out. */
export interface FieldSchema {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly FieldSchema[];
  readonly items?: FieldSchema;
  readonly properties?: Readonly<Record<string, FieldSchema>>;
  readonly patternProperties?: Readonly<Record<string, FieldSchema>>;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly default?: unknown;
  readonly description?: string;
}

/** The kinds of value an environment variable is coerced to. */
export type FieldKind =
  | 'string'
  | 'string-list'
  | 'integer'
  | 'nullable-integer'
  | 'boolean'
  | 'choice'
  /** A map or a list of objects: set in the YAML file only, no environment variable. */
  | 'yaml';

export interface ConfigField {
  /** Path segments, e.g. `['radius', 'authPort']`. */
  readonly path: readonly string[];
  /** Dotted key, e.g. `radius.authPort`. */
  readonly key: string;
  /** Environment variable, e.g. `ASSENT_RADIUS_AUTH_PORT`. */
  readonly env: string;
  readonly kind: FieldKind;
  readonly schema: FieldSchema;
  /** Human text for the accepted values, e.g. `an integer 0–65535`. */
  readonly expected: string;
}

/** The prefix of every configuration environment variable. */
export const ENV_PREFIX = 'ASSENT_';

/** `radius.authPort` → `ASSENT_RADIUS_AUTH_PORT`: camelCase words split, joined by `_`, upper-cased. */
export function envNameFor(path: readonly string[]): string {
  return ENV_PREFIX + path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

function kindOf(schema: FieldSchema): FieldKind {
  if (schema.patternProperties !== undefined) return 'yaml';
  if (schema.type === 'array') return schema.items?.type === 'string' ? 'string-list' : 'yaml';
  if (schema.type === 'integer') return 'integer';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'string') return 'string';
  const members = schema.anyOf ?? [];
  if (members.length > 0 && members.every((m) => m.const !== undefined)) return 'choice';
  if (members.some((m) => m.type === 'null') && members.some((m) => m.type === 'integer')) {
    return 'nullable-integer';
  }
  throw new Error(`config schema: no field kind for ${JSON.stringify(schema)}`);
}

function integerText(schema: FieldSchema): string {
  if (schema.minimum !== undefined && schema.maximum !== undefined) {
    return `an integer ${schema.minimum}–${schema.maximum}`;
  }
  if (schema.minimum !== undefined) return `an integer ≥ ${schema.minimum}`;
  return 'an integer';
}

/** The accepted values of `schema` in words, used by both error messages and the generated docs. */
export function describeExpected(schema: FieldSchema): string {
  switch (kindOf(schema)) {
    case 'string':
      return schema.minLength ? 'a non-empty string' : 'a string';
    case 'string-list':
      return 'a list of non-empty strings';
    case 'integer':
      return integerText(schema);
    case 'nullable-integer': {
      const int = (schema.anyOf ?? []).find((m) => m.type === 'integer') ?? {};
      return `${integerText(int)} or null`;
    }
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${(schema.anyOf ?? []).map((m) => String(m.const)).join(', ')}`;
    case 'yaml':
      return 'a map (YAML file only)';
  }
}

function collect(schema: FieldSchema, path: readonly string[], out: ConfigField[]): void {
  if (schema.type === 'object' && schema.properties) {
    for (const [name, child] of Object.entries(schema.properties)) collect(child, [...path, name], out);
    return;
  }
  out.push({
    path,
    key: path.join('.'),
    env: kindOf(schema) === 'yaml' ? '' : envNameFor(path),
    kind: kindOf(schema),
    schema,
    expected: describeExpected(schema),
  });
}

/** Every setting of `schema` in schema order. */
export function listConfigFields(schema: FieldSchema = ConfigSchema as FieldSchema): readonly ConfigField[] {
  const out: ConfigField[] = [];
  collect(schema, [], out);
  return out;
}
