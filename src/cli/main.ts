// Owns the `assent` command line: global options, subcommands, and turning failures into exit codes.
import { Command, CommanderError } from 'commander';
import { StoreError, StoreErrorCode } from '../domain/ports.js';
import { PACKAGE_VERSION } from '../package-version.js';
import { SealError } from '../store/sealer.js';
import { CliError, ExitCode } from './cli-error.js';
import { registerApiKeyCommands } from './commands/apikey.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerClientCommands } from './commands/client.js';
import { registerConfigCommands } from './commands/config.js';
import { registerInitCommand } from './commands/init.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStorageCommands } from './commands/storage.js';
import { registerTokenCommands } from './commands/token.js';
import { registerUserCommands } from './commands/user.js';

const program = new Command('assent')
  .description('Assent: self-hosted two-factor authentication server (RADIUS)')
  .option(
    '-c, --config <file>',
    'configuration file (default: ./assent.yaml when present, or $ASSENT_CONFIG)',
  )
  .option('--data-dir <dir>', 'data directory (overrides dataDir)')
  .version(PACKAGE_VERSION, '-V, --version', 'print the version and exit')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText(
    'after',
    `
Quick start:
  assent serve                      first start creates ./data and prints a login to try
  assent client add --name fw1 --address 192.0.2.10
  assent user add alice

Configuration: docs/configuration.md. Exit codes: 0 ok, 1 failed, 2 usage or configuration
error, 3 not initialised, key file unusable, or database damaged.`,
  );

for (const register of [
  registerServeCommand,
  registerInitCommand,
  registerClientCommands,
  registerUserCommands,
  registerTokenCommands,
  registerApiKeyCommands,
  registerConfigCommands,
  registerStorageCommands,
  registerBenchCommand,
]) {
  register(program);
}
// `assent token list | head`: a reader that stops early is not an error; end quietly like other Unix tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? ExitCode.Ok);
});

for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end with code 0; every other commander error is a usage error.
    process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else if (error instanceof CliError) {
    process.stderr.write(`assent: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else if (error instanceof SealError || error instanceof StoreError) {
    // Issue 12: a damaged database or key file is named with what to do, not shown as a stack trace.
    process.stderr.write(`assent: ${error.message}\n`);
    process.exitCode =
      error instanceof StoreError && error.code !== StoreErrorCode.Unavailable
        ? ExitCode.Failed
        : ExitCode.NotReady;
  } else {
    process.stderr.write(`assent: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = ExitCode.Failed;
  }
}
