// Owns `assent client add|list|remove`: the NAS devices allowed to send RADIUS requests.
import type { Command } from 'commander';
import { addClient, ClientInputError, rotateClientSecret } from '../../admin/client-admin.js';
import { StoreError } from '../../domain/ports.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

interface AddOptions {
  name: string;
  address: string;
  secret?: string;
  generateSecret?: boolean;
  requireMessageAuthenticator: boolean;
  limitProxyState: boolean;
  nasTimeout: number;
  forceShortSecret?: boolean;
}

const RELOAD_HINT = 'a running server picks this up within a second (its change log)';

/** ClientInputError fields → the option that sets them. */
const OPTION_OF: Readonly<Record<string, string>> = { nasTimeout: 'nas-timeout' };

export function registerClientCommands(program: Command): void {
  const client = program
    .command('client')
    .description('manage RADIUS clients (NAS devices: firewalls, VPNs, Wi-Fi controllers, PAM hosts)');

  client
    .command('add')
    .description('allow a NAS to send requests')
    .requiredOption('--name <name>', 'unique name shown in logs')
    .requiredOption('--address <ip|cidr>', 'source IP address or CIDR block (IPv4 or IPv6)')
    .option('--secret <secret>', 'shared secret (visible in the process list; prefer --generate-secret)')
    .option(
      '--generate-secret',
      'generate a 24-octet random secret and print it (default when --secret is absent)',
    )
    .option(
      '--no-require-message-authenticator',
      'accept Access-Requests without Message-Authenticator (legacy NAS)',
    )
    .option(
      '--no-limit-proxy-state',
      'with the option above: also accept Proxy-State without Message-Authenticator',
    )
    .option(
      '--nas-timeout <seconds>',
      'how long the NAS waits for a reply',
      (v) => Number.parseInt(v, 10),
      60,
    )
    .option('--force-short-secret', 'accept a secret of 8 octets or fewer')
    .addHelpText(
      'after',
      `
Message-Authenticator is required by default (BlastRADIUS, CVE-2024-3596). Turn it off only
for clients that cannot send it (pam_radius_auth 2.0, pyrad): Proxy-State without it is still
dropped unless --no-limit-proxy-state is given too, and the server warns about such clients.

Examples:
  assent client add --name fw1 --address 192.0.2.10
  assent client add --name branch --address 10.20.0.0/16 --secret "$(cat secret.txt)"
  assent client add --name ssh-hosts --address 10.0.5.0/24 --no-require-message-authenticator`,
    )
    .action(async (options: AddOptions, command: Command) => {
      const added = await withStores(command, async (stores) => {
        try {
          return await addClient(stores.clients, {
            name: options.name,
            address: options.address,
            secret: options.secret,
            requireMessageAuthenticator: options.requireMessageAuthenticator,
            limitProxyState: options.limitProxyState,
            nasTimeout: options.nasTimeout,
            forceShortSecret: options.forceShortSecret === true,
          });
        } catch (error) {
          if (error instanceof ClientInputError) {
            const usage = !error.inUse;
            throw new CliError(
              usage
                ? `--${OPTION_OF[error.field] ?? error.field}: ${error.message}`
                : `client add: ${error.message}`,
              usage ? ExitCode.Usage : ExitCode.Failed,
            );
          }
          if (error instanceof StoreError)
            throw new CliError(`client add: ${error.message}`, ExitCode.Failed);
          throw error;
        }
      });
      process.stdout.write(`client ${options.name} (${options.address}) added; ${RELOAD_HINT}\n`);
      if (added.generatedSecret !== undefined)
        process.stdout.write(`shared secret: ${added.generatedSecret}\n`);
      for (const warning of added.warnings) process.stderr.write(`warning: ${warning}\n`);
    });

  client
    .command('rotate-secret')
    .description('give a client a new random shared secret and print it once')
    .argument('<name>')
    .addHelpText(
      'after',
      `
The old secret stops working within a second at a running server: set the printed
secret on the NAS right away. Over the REST API: POST /api/v2/clients/<name>/secret.`,
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      const secret = await withStores(command, (stores) => rotateClientSecret(stores.clients, name));
      if (secret === undefined)
        throw new CliError(`client rotate-secret: no client named "${name}"`, ExitCode.Failed);
      process.stdout.write(`client ${name}: new shared secret; ${RELOAD_HINT}\nshared secret: ${secret}\n`);
    });

  client
    .command('list')
    .description('list RADIUS clients (secrets are never shown)')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withStores(command, async (stores) => {
        for (const c of await stores.clients.list()) {
          const row = {
            name: c.name,
            address: c.address,
            requireMessageAuthenticator: c.requireMessageAuthenticator,
            limitProxyState: c.limitProxyState,
            nasTimeout: c.nasTimeout,
            secretOctets: c.secret.length,
            createdAt: c.createdAt,
          };
          if (options.json) process.stdout.write(`${JSON.stringify(row)}\n`);
          else {
            const flags = `${c.requireMessageAuthenticator ? 'require-MA' : 'MA-optional'}${c.limitProxyState ? '' : ',no-proxy-state-limit'}`;
            process.stdout.write(`${c.name}\t${c.address}\t${flags}\tnas-timeout=${c.nasTimeout}s\n`);
          }
        }
      });
    });

  client
    .command('remove')
    .description('remove a RADIUS client by name or address')
    .argument('<name-or-address>')
    .action(async (target: string, _options: unknown, command: Command) => {
      const removed = await withStores(command, (stores) => stores.clients.remove(target));
      if (!removed)
        throw new CliError(`client remove: no client named or addressed "${target}"`, ExitCode.Failed);
      process.stdout.write(`client ${target} removed; ${RELOAD_HINT}\n`);
    });
}
