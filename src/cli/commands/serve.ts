// Owns `assent serve`: start the server, initialise on first run, stop cleanly on SIGTERM/SIGINT, reload on SIGHUP.
import type { Command } from 'commander';
import { StartupError, startServer } from '../../main.js';
import { isInitialised, loadCliConfig } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';
import { initialiseAndShow } from '../initial-credentials.js';
import { createLogger } from '../logger.js';

/** README "Exit codes": configuration 2, key file or database unusable 3, anything else 1. */
const EXIT_FOR = { config: ExitCode.Usage, 'not-ready': ExitCode.NotReady, failed: ExitCode.Failed } as const;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the RADIUS server (initialises ./data on the first start)')
    .option('--port <port>', 'RADIUS authentication port (overrides radius.authPort)', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--no-init', 'fail instead of initialising when the data directory is empty')
    .addHelpText(
      'after',
      `
Listens for RADIUS on radius.bind (default 0.0.0.0 and ::), port radius.authPort (1812) and
radius.accountingPort (1813). Logs are JSON lines on stdout.

On the first start (no key file yet) it creates the data directory like "assent init" and
shows the admin password, the localhost shared secret and a radtest line to try: on stderr
when it is a terminal, otherwise (systemd, docker) in <dataDir>/initial-credentials.txt
(mode 0600; the log line init.credentials_file names it). Never in the log.

Signals: SIGTERM/SIGINT stop taking packets, answer those in flight (up to 5 s) and exit 0;
SIGHUP re-reads the RADIUS clients and the change log at once (changes made with
"assent" commands otherwise reach the running server within a second anyway).

Exit codes: 0 stopped cleanly; 2 bad configuration (the message names the key; also no
listener); 3 not initialised, key file unusable, or database damaged or from a newer Assent;
1 a port could not be bound, or an unexpected failure while running (logged as
process.uncaught_exception / process.unhandled_rejection).

Examples:
  assent serve
  ASSENT_RADIUS_AUTH_PORT=11812 assent serve -c /etc/assent/assent.yaml`,
    )
    .action(async (options: { port?: number; init: boolean }, command: Command) => {
      if (options.port !== undefined && !(options.port >= 0 && options.port <= 65535)) {
        throw new CliError('--port: expected an integer 0–65535', ExitCode.Usage);
      }
      const config = loadCliConfig(
        command,
        options.port === undefined ? {} : { radius: { authPort: options.port } },
      );
      if (!isInitialised(config)) {
        if (!options.init) throw new CliError(`not initialised: run "assent init"`, ExitCode.NotReady);
        await initialiseAndShow(config, { stdoutCarriesLogs: true });
      }
      const logger = createLogger(config.log.level);
      // Issue 12: anything that escapes every other handler is logged and ends the process, never a silent hang.
      const fatal = (event: string) => (error: unknown) => {
        logger.fatal({ event, err: error }, 'unexpected failure; exiting');
        process.exit(ExitCode.Failed);
      };
      process.on('uncaughtException', fatal('process.uncaught_exception'));
      process.on('unhandledRejection', fatal('process.unhandled_rejection'));
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer(config, logger);
      } catch (error) {
        const kind = error instanceof StartupError ? error.kind : 'failed';
        throw new CliError(`cannot start: ${(error as Error).message}`, EXIT_FOR[kind]);
      }
      const stop = (signal: string) => {
        logger.info({ event: 'server.stopping', signal }, 'stopping: finishing requests in flight');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ event: 'server.stop_failed', err: error });
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => {
        const failed = (error: unknown) =>
          logger.error({ event: 'radius.clients_reload_failed', err: error });
        server.reloadClients().catch(failed);
        try {
          server.syncChanges();
        } catch (error) {
          failed(error);
        }
      });
    });
}
