// Owns `assent config check`: validate the configuration the server would start with, and show it.

import type { Command } from 'commander';
import { checkWiring, unknownPolicyClients } from '../../main.js';
import { redactUrl } from '../../store/postgres/open-postgres.js';
import { isInitialised, loadCliConfig, openCliStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate assent.yaml and ASSENT_* variables exactly as "serve" does')
    .option('--print', 'print the effective configuration as JSON')
    .addHelpText(
      'after',
      `
Sources, later ones winning: defaults < assent.yaml (or -c FILE, or ASSENT_CONFIG) <
ASSENT_* environment variables < command-line flags. Every setting is described in
docs/configuration.md.

Also checked: reply attributes exist in the dictionaries, realms name configured directories,
bind addresses are IP addresses. A secondFactor.clients entry naming no RADIUS client in the
database is a warning (clients may be added later).

Exit codes: 0 valid (warnings go to stderr), 2 invalid (each error names the key).

Example:
  ASSENT_RADIUS_AUTH_PORT=11812 assent config check --print`,
    )
    .action(async (options: { print?: boolean }, command: Command) => {
      const loaded = loadCliConfig(command);
      const problems = checkWiring(loaded);
      if (problems.length > 0) {
        throw new CliError(`invalid configuration:\n  ${problems.join('\n  ')}`, ExitCode.Usage);
      }
      // Clients live in the database: when there is one, name policy entries for clients it does not have.
      if (isInitialised(loaded)) {
        const stores = await openCliStores(loaded);
        try {
          for (const warning of unknownPolicyClients(loaded, await stores.clients.list())) {
            process.stderr.write(`warning: ${warning}\n`);
          }
        } finally {
          await stores.close();
        }
      }
      if (options.print) {
        // The database URL may carry a password: it is shown redacted, like everywhere else.
        const url = loaded.storage.url === '' ? '' : redactUrl(loaded.storage.url);
        const shown = { ...loaded, storage: { ...loaded.storage, url } };
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      } else process.stdout.write('configuration is valid\n');
    });
}
