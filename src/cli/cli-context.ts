// Owns what every CLI command needs first: the loaded configuration and, for data commands, the open stores.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config, ConfigOverrides } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { openConfiguredStores, type Stores } from '../store/open-stores.js';
import { CliError, ExitCode } from './cli-error.js';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

/** The global options of the root program, whichever subcommand runs. */
export function globalOptions(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/** Loads and validates the configuration; a bad value ends the command naming the key (exit 2). */
export function loadCliConfig(command: Command, overrides: ConfigOverrides = {}): Config {
  const options = globalOptions(command);
  const merged: ConfigOverrides =
    options.dataDir === undefined ? overrides : { ...overrides, dataDir: options.dataDir };
  const result = loadConfig(
    options.config === undefined ? { overrides: merged } : { file: options.config, overrides: merged },
  );
  if (!result.ok) {
    throw new CliError(`invalid configuration:\n  ${result.errors.join('\n  ')}`, ExitCode.Usage);
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  return result.config;
}

/** True when `assent init` (or a first `serve`) has created the key file. */
export function isInitialised(config: Config): boolean {
  return existsSync(config.secrets.keyFile);
}

/** Opens the stores for a data command; tells the operator to run `assent init` when nothing exists yet. */
export async function openCliStores(config: Config): Promise<Stores> {
  if (!isInitialised(config)) {
    throw new CliError(
      `no key file at ${config.secrets.keyFile}: run "assent init" first (or "npm start", which initialises on first run)`,
      ExitCode.NotReady,
    );
  }
  try {
    return await openConfiguredStores(config);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.NotReady);
  }
}

/** Runs `work` with open stores and always closes them. */
export async function withStores<T>(
  command: Command,
  work: (stores: Stores, config: Config) => T | Promise<T>,
): Promise<T> {
  const config = loadCliConfig(command);
  const stores = await openCliStores(config);
  try {
    return await work(stores, config);
  } finally {
    await stores.close();
  }
}
