// Owns first-run initialisation: key file, database, an admin user and a localhost client, printed once.
import { existsSync } from 'node:fs';
import type { Config } from '../config/config-schema.js';
import { hashArgon2id } from '../directory/password/argon2id.js';
import { openConfiguredStores } from '../store/open-stores.js';
import { redactUrl } from '../store/postgres/open-postgres.js';
import { createKeyFile } from '../store/sealer.js';
import { CliError, ExitCode } from './cli-error.js';
import { generatePassword, generateSecret } from './secret-input.js';

export interface Initialised {
  readonly adminUser: string;
  readonly adminPassword: string;
  readonly clientSecret: string;
  readonly clientNames: readonly string[];
}

/**
 * Creates the key file and the database, a local user `adminUser` with a random password and the RADIUS clients
 * `localhost` (127.0.0.1) and `localhost6` (::1) with one random shared secret. Refuses to touch an existing key:
 * a new key would make every sealed secret unreadable.
 */
export async function initialise(config: Config, adminUser = 'admin'): Promise<Initialised> {
  if (existsSync(config.secrets.keyFile)) {
    throw new CliError(`already initialised: key file ${config.secrets.keyFile} exists`, ExitCode.Failed);
  }
  if (config.storage.url === '' && existsSync(config.storage.sqlitePath)) {
    throw new CliError(
      `database ${config.storage.sqlitePath} exists but the key file ${config.secrets.keyFile} does not: ` +
        'restore the key file (secrets in the database cannot be opened without it) or move the database away',
      ExitCode.NotReady,
    );
  }
  createKeyFile(config.secrets.keyFile);
  const stores = await openConfiguredStores(config);
  try {
    const adminPassword = generatePassword();
    const clientSecret = generateSecret();
    const hash = await hashArgon2id(adminPassword, config.passwords.argon2);
    await stores.users.add({ name: adminUser, passwordHash: hash });
    const secret = new TextEncoder().encode(clientSecret);
    await stores.clients.add({ name: 'localhost', address: '127.0.0.1', secret });
    await stores.clients.add({ name: 'localhost6', address: '::1', secret });
    return { adminUser, adminPassword, clientSecret, clientNames: ['localhost', 'localhost6'] };
  } finally {
    await stores.close();
  }
}

/** The text shown once after initialisation, with the exact radtest line to try. */
export function describeInitialised(config: Config, result: Initialised): string {
  const port = config.radius.authPort === 0 ? 1812 : config.radius.authPort;
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return [
    `Assent initialised in ${config.dataDir}`,
    `  database:        ${config.storage.url === '' ? config.storage.sqlitePath : redactUrl(config.storage.url)}`,
    `  key file:        ${config.secrets.keyFile}  (back it up: without it no stored secret can be read)`,
    `  admin user:      ${result.adminUser}`,
    `  admin password:  ${result.adminPassword}   (shown once; change it: assent user passwd ${result.adminUser})`,
    `  RADIUS clients:  ${result.clientNames.join(', ')} (127.0.0.1, ::1)`,
    `  shared secret:   ${result.clientSecret}`,
    '',
    'Try it (freeradius-utils) while the server runs:',
    `  radtest ${result.adminUser} ${quote(result.adminPassword)} 127.0.0.1:${port} 0 ${quote(result.clientSecret)}`,
    '',
  ].join('\n');
}
