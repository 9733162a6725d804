// Owns loading the configuration: defaults < assent.yaml < ASSENT_* env < CLI overrides, validated and frozen.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { describeConfigErrors } from './config-errors.js';
import { type ConfigField, type FieldSchema, listConfigFields } from './config-fields.js';
import { type Config, type ConfigOverrides, ConfigSchema } from './config-schema.js';
import { readEnvLayer } from './env-config.js';
import { readYamlLayer } from './yaml-config.js';

export interface LoadConfigOptions {
  /** The YAML file; else `ASSENT_CONFIG`; else `assent.yaml` in `cwd` when it exists. */
  readonly file?: string;
  /** Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Command-line settings; they win over everything else. */
  readonly overrides?: ConfigOverrides;
  /** Directory relative paths are resolved against; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

export type LoadConfigResult =
  | { ok: true; config: Config; warnings: string[]; file: string | null }
  | { ok: false; errors: string[] };

/** The file name looked for in the working directory when no file is named. */
export const DEFAULT_CONFIG_FILE = 'assent.yaml';

const COMMAND_LINE = 'command line';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `top` over `base`: mappings merge key by key, lists and scalars replace. */
function merge(base: unknown, top: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(top)) return top;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value !== undefined) out[key] = merge(out[key], value);
  }
  return out;
}

function hasPath(root: unknown, path: readonly string[]): boolean {
  let node = root;
  for (const part of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, part)) return false;
    node = node[part];
  }
  return true;
}

/** A section whose keys are all commented out parses as null; read it as an empty section. */
function nullSectionsToEmpty(value: Record<string, unknown>, schema: FieldSchema): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (child.type !== 'object') continue;
    if (value[key] === null) value[key] = {};
    const section = value[key];
    if (isPlainObject(section)) nullSectionsToEmpty(section, child);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

type Mutable = { -readonly [K in keyof Config]: Config[K] } & Record<string, unknown>;

function resolvePaths(config: Mutable, cwd: string): void {
  const dataDir = resolve(cwd, config.dataDir);
  const place = (value: string, fallback: string) =>
    value === '' ? join(dataDir, fallback) : resolve(cwd, value);
  config.dataDir = dataDir;
  config.storage = { ...config.storage, sqlitePath: place(config.storage.sqlitePath, 'assent.db') };
  config.secrets = { ...config.secrets, keyFile: place(config.secrets.keyFile, 'secret.key') };
  config.http = {
    ...config.http,
    public: {
      ...config.http.public,
      certFile: place(config.http.public.certFile, 'public-cert.pem'),
      keyFile: place(config.http.public.keyFile, 'public-key.pem'),
    },
  };
  config.push = {
    ...config.push,
    serviceCaFile: config.push.serviceCaFile === '' ? '' : resolve(cwd, config.push.serviceCaFile),
  };
  config.radius = {
    ...config.radius,
    dictionaries: config.radius.dictionaries.map((file) => resolve(cwd, file)),
  };
  // Like every other path: relative to the working directory, made absolute here so errors name the real file.
  const optional = (value: string) => (value === '' ? '' : resolve(cwd, value));
  config.directories = Object.fromEntries(
    Object.entries(config.directories).map(([name, directory]) => [
      name,
      {
        ...directory,
        tlsCaFile: optional(directory.tlsCaFile),
        servicePasswordFile: optional(directory.servicePasswordFile),
      },
    ]),
  );
}

/** typebox fills defaults of fixed properties only; the entries of a map (`directories.corp`) get theirs here. */
function defaultMapEntries(root: unknown, fields: readonly ConfigField[]): void {
  for (const field of fields) {
    if (field.kind !== 'yaml') continue;
    const entrySchema = Object.values(field.schema.patternProperties ?? {})[0];
    if (entrySchema?.type !== 'object') continue;
    let node: unknown = root;
    for (const part of field.path) node = isPlainObject(node) ? node[part] : undefined;
    if (!isPlainObject(node)) continue;
    for (const [name, entry] of Object.entries(node)) {
      if (isPlainObject(entry)) node[name] = Value.Default(entrySchema as TSchema, entry);
    }
  }
}

/** Unsafe but allowed settings: each warning says what to change. */
function warningsFor(config: Config): string[] {
  const warnings: string[] = [];
  if (config.radius.rejectDelayMs < 1000) {
    warnings.push(
      `radius.rejectDelayMs is ${config.radius.rejectDelayMs} ms (ASSENT_RADIUS_REJECT_DELAY_MS): below 1000 ms ` +
        'password guessing is faster and timing may tell unknown users apart; set 1000 or more (docs/security.md A3.7)',
    );
  }
  return warnings;
}

function pickFile(options: LoadConfigOptions, env: NodeJS.ProcessEnv, cwd: string): string | null {
  const named = options.file ?? env.ASSENT_CONFIG;
  if (named !== undefined && named !== '') return resolve(cwd, named);
  const fallback = join(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : null;
}

/**
 * Builds the configuration from defaults, the YAML file, `ASSENT_*` variables and overrides, in that order.
 * Validation collects every problem rather than stopping at the first, so one run shows all that is wrong.
 * @returns the deeply frozen configuration with absolute paths and warnings, or every error found
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadConfigResult {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fields = listConfigFields();
  const file = pickFile(options, env, cwd);
  const errors: string[] = [];

  let fileValues: Record<string, unknown> = {};
  if (file !== null) {
    const yaml = readYamlLayer(file);
    if (yaml.ok) {
      fileValues = yaml.values;
      nullSectionsToEmpty(fileValues, ConfigSchema as FieldSchema);
    } else errors.push(...yaml.errors);
  }
  const envLayer = readEnvLayer(env, fields);
  errors.push(...envLayer.errors);
  const overrides = options.overrides ?? {};

  const merged = merge(merge(fileValues, envLayer.values), overrides);
  const withDefaults = Value.Default(ConfigSchema, structuredClone(merged));
  defaultMapEntries(withDefaults, fields);
  const sourceOf = (path: readonly string[]): string | undefined => {
    if (hasPath(overrides, path)) return COMMAND_LINE;
    const fromEnv = envLayer.sources.get(path.join('.'));
    if (fromEnv !== undefined) return fromEnv;
    if (file !== null && hasPath(fileValues, path)) return file;
    return undefined;
  };
  errors.push(...describeConfigErrors(withDefaults, fields, sourceOf));
  if (errors.length > 0) return { ok: false, errors };

  const config = withDefaults as Mutable;
  resolvePaths(config, cwd);
  return { ok: true, config: deepFreeze(config as Config), warnings: warningsFor(config), file };
}
