// Owns `assent init`: create the key file, database, admin user and localhost client.
import type { Command } from 'commander';
import { loadCliConfig } from '../cli-context.js';
import { initialiseAndShow } from '../initial-credentials.js';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('create the key file, the database, an admin user and a localhost RADIUS client')
    .option('--admin-user <name>', 'name of the first local user', 'admin')
    .addHelpText(
      'after',
      `
Creates <dataDir>/secret.key (AES-256-GCM key that seals shared secrets; mode 0600) and
<dataDir>/assent.db (SQLite), a local user with a random password, and the RADIUS clients
"localhost" (127.0.0.1) and "localhost6" (::1) with a random 24-octet shared secret.
The password and secret are shown once, on the terminal; when neither stdout nor stderr is a
terminal they are written to <dataDir>/initial-credentials.txt (mode 0600, never overwritten)
and only that path is printed. Refuses to run when the key file exists.
"assent serve" does the same on its first start.

Exit codes: 0 done, 1 already initialised, 2 bad configuration, 3 database without key.

Example:
  assent init --admin-user alice`,
    )
    .action(async (options: { adminUser: string }, command: Command) => {
      const config = loadCliConfig(command);
      await initialiseAndShow(config, { adminUser: options.adminUser, stdoutCarriesLogs: false });
    });
}
