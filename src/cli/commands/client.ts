// Owns `assent client add|list|remove`: the NAS devices allowed to send RADIUS requests.
import type { Command } from 'commander';
import { StoreError } from '../../domain/ports.js';
import { parseCidr } from '../../radius-server/ip-address.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';
import { generateSecret } from '../secret-input.js';

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

const RELOAD_HINT = 'a running server picks this up after SIGHUP (systemctl reload assent) or a restart';

/** SECURITY A5.1: empty secrets refused, ≤ 8 octets refused unless forced, ≤ 12 octets warned about. */
function checkSecret(secret: string, force: boolean): void {
  const octets = Buffer.byteLength(secret, 'utf8');
  if (octets === 0) throw new CliError('--secret: an empty shared secret is refused', ExitCode.Usage);
  if (octets > 128) throw new CliError('--secret: at most 128 octets', ExitCode.Usage);
  if (octets <= 8 && !force) {
    throw new CliError(
      `--secret: ${octets} octets is too short to resist offline guessing; use --generate-secret, or --force-short-secret if the NAS cannot do better`,
      ExitCode.Usage,
    );
  }
  if (octets <= 12)
    process.stderr.write(`warning: a ${octets}-octet shared secret is weak; 16 or more is advised\n`);
}

function isPublicAddress(address: string): boolean {
  return !/^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|f[cd]|fe80|169\.254\.)/i.test(address);
}

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
      if (!parseCidr(options.address)) {
        throw new CliError(
          `--address: expected an IP address or CIDR block, got "${options.address}"`,
          ExitCode.Usage,
        );
      }
      if (!(options.nasTimeout >= 1 && options.nasTimeout <= 600)) {
        throw new CliError('--nas-timeout: expected 1–600 seconds', ExitCode.Usage);
      }
      const generated = options.secret === undefined;
      const secret = options.secret ?? generateSecret();
      checkSecret(secret, options.forceShortSecret === true);
      await withStores(command, (stores) => {
        try {
          stores.clients.add({
            name: options.name,
            address: options.address,
            secret: new TextEncoder().encode(secret),
            requireMessageAuthenticator: options.requireMessageAuthenticator,
            limitProxyState: options.limitProxyState,
            nasTimeout: options.nasTimeout,
          });
        } catch (error) {
          if (error instanceof StoreError)
            throw new CliError(`client add: ${error.message}`, ExitCode.Failed);
          throw error;
        }
      });
      process.stdout.write(`client ${options.name} (${options.address}) added; ${RELOAD_HINT}\n`);
      if (generated) process.stdout.write(`shared secret: ${secret}\n`);
      if (isPublicAddress(options.address)) {
        process.stderr.write(
          'warning: RADIUS over UDP crosses this network in clear (only the password is hidden); ' +
            'prefer RadSec or IPsec for clients on public addresses\n',
        );
      }
      if (!options.requireMessageAuthenticator && !options.limitProxyState) {
        process.stderr.write('warning: both BlastRADIUS protections are off for this client\n');
      }
    });

  client
    .command('list')
    .description('list RADIUS clients (secrets are never shown)')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withStores(command, (stores) => {
        for (const c of stores.clients.list()) {
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
