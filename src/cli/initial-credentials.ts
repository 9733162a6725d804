// Owns where the first-run admin password and shared secret are shown: a terminal, or an owner-only file; never the log.
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config-schema.js';
import { CliError, ExitCode } from './cli-error.js';
import { describeInitialised, initialise } from './initialise.js';
import { createLogger } from './logger.js';

/** Written in the data directory when no terminal can show the credentials (systemd, CI, `docker logs`). */
export const CREDENTIALS_FILE_NAME = 'initial-credentials.txt';

/** Where the credentials go: one of the process's streams, or the owner-only file. */
export type CredentialsTarget = 'stdout' | 'stderr' | 'file';

export interface TtyState {
  readonly stdout: boolean;
  readonly stderr: boolean;
}

/**
 * SECURITY A5.2: secrets never reach the log. `serve` writes its JSON log to stdout, so there stdout is never a
 * target, even on a terminal (it may be piped into a file later in the same session). A terminal on stderr is the
 * operator watching; with no terminal at all the output is collected somewhere, so the secrets go to a file.
 * @param tty which of stdout and stderr is a terminal
 * @param stdoutCarriesLogs true for `serve`, whose stdout is the log stream
 */
export function chooseCredentialsTarget(tty: TtyState, stdoutCarriesLogs: boolean): CredentialsTarget {
  if (tty.stdout && !stdoutCarriesLogs) return 'stdout';
  if (tty.stderr) return 'stderr';
  return 'file';
}

/** The TTY state of this process. */
export function processTty(): TtyState {
  return { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true };
}

/** Creates `path` with mode 0600 and `text`; O_EXCL, so an existing file (or a planted link) is never written. */
function writeOwnerOnly(path: string, text: string): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export interface InitialiseOptions {
  readonly adminUser?: string;
  /** True for `serve`: its stdout is the JSON log. */
  readonly stdoutCarriesLogs: boolean;
  /** For tests; the process's own streams otherwise. */
  readonly tty?: TtyState;
}

/**
 * Initialises the data directory (see `initialise`) and shows the admin password and shared secret once, where
 * `chooseCredentialsTarget` says. With the file target, logs (`serve`) or prints (`init`) only the file's path.
 * @throws CliError (exit 1) when the credentials file already exists: checked before anything is created, so the
 *   new password is never lost
 */
export async function initialiseAndShow(config: Config, options: InitialiseOptions): Promise<void> {
  const target = chooseCredentialsTarget(options.tty ?? processTty(), options.stdoutCarriesLogs);
  const file = join(config.dataDir, CREDENTIALS_FILE_NAME);
  // An initialised directory is refused by `initialise` with its own message; this check is for a fresh one.
  if (target === 'file' && existsSync(file) && !existsSync(config.secrets.keyFile)) {
    throw new CliError(
      `${file} exists (from an earlier initialisation): read it, delete it, and start again`,
      ExitCode.Failed,
    );
  }
  const result = await initialise(config, options.adminUser);
  const text = describeInitialised(config, result);
  if (target === 'stdout') process.stdout.write(text);
  else if (target === 'stderr') process.stderr.write(text);
  else {
    writeOwnerOnly(file, text);
    const note =
      'no terminal: admin password and shared secret written to this file (mode 0600); delete it once read';
    if (options.stdoutCarriesLogs) {
      // warn: the operator has a file to read and delete.
      createLogger(config.log.level).warn({ event: 'init.credentials_file', path: file }, note);
    } else {
      process.stdout.write(`Assent initialised in ${config.dataDir}\n  ${note}: ${file}\n`);
    }
  }
}
