// Owns `assent apikey add|list|remove`: the keys applications use on the REST API (issue 14, docs/api.md "Keys").
import type { Command } from 'commander';
import { ApiKeyInputError, issueApiKey } from '../../auth/api-keys.js';
import { API_SCOPES, type ApiKey, type ApiScope } from '../../domain/api-key.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

interface AddOptions {
  name: string;
  /** Undefined when no --scope was given. */
  scope?: string[];
  expires?: string;
}

const OPTION_OF = { name: '--name', scopes: '--scope', expiresAt: '--expires' } as const;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^([1-9]\d{0,5})([mhdw])$/;
/** A calendar date, optionally a time with its zone: a time without a zone would depend on this host's TZ. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,3})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;

/** `--expires`: `90d`, `12h`, `30m`, `2w` from now, or an ISO date (midnight UTC) or date-time with zone. */
export function parseExpiry(text: string, now: Date): string {
  const duration = DURATION.exec(text);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    return new Date(now.getTime() + ms).toISOString();
  }
  const match = DATE_TIME.exec(text);
  const [year, month, day] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
  const midnight = new Date(Date.UTC(year, month - 1, day));
  // Date.parse rolls 2027-02-30 over to March; a date that does not exist is a typo, not a wish.
  const real = midnight.getUTCFullYear() === year && midnight.getUTCMonth() === month - 1;
  const at = match && real && midnight.getUTCDate() === day ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new CliError(
      `--expires ${JSON.stringify(text)}: expected a duration (90d, 12h, 30m, 2w) or an ISO date or ` +
        'date-time with zone (2027-06-30, 2027-06-30T18:00:00Z)',
      ExitCode.Usage,
    );
  }
  if (at <= now.getTime()) {
    throw new CliError(`--expires ${text}: that time has passed; give a later one`, ExitCode.Usage);
  }
  return new Date(at).toISOString();
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function state(key: ApiKey, now: Date): 'active' | 'expired' {
  return key.expiresAt !== null && now.getTime() >= Date.parse(key.expiresAt) ? 'expired' : 'active';
}

async function addKey(options: AddOptions, command: Command): Promise<void> {
  const now = new Date();
  const expiresAt = options.expires === undefined ? null : parseExpiry(options.expires, now);
  // Checked against API_SCOPES by issueApiKey, which names the bad one.
  const scopes = (options.scope ?? []) as ApiScope[];
  const { key, record } = await withStores(command, async (stores) => {
    try {
      return await issueApiKey(stores.apiKeys, { name: options.name, scopes, expiresAt }, now);
    } catch (error) {
      if (!(error instanceof ApiKeyInputError)) throw error;
      const exit = error.problem === 'in_use' ? ExitCode.Failed : ExitCode.Usage;
      throw new CliError(`apikey add: ${OPTION_OF[error.field]}: ${error.detail}`, exit);
    }
  });
  // The key goes to stdout once and nowhere else: not to stderr, not to a log (SECURITY A9.5).
  const out = process.stdout;
  const until = record.expiresAt === null ? 'does not expire' : `expires ${record.expiresAt}`;
  out.write(`API key ${record.name} added (scopes: ${record.scopes.join(', ')}; ${until})\n`);
  out.write(`${key}\n`);
  out.write('This is the only time the key is shown: it is stored as a hash and cannot be shown again.\n');
  out.write(
    `Use it as HTTP Basic with the user name "${record.name}" (curl -u '${record.name}:<key>') ` +
      'or as the header "Authorization: Bearer <key>".\n',
  );
}

function listKeys(options: { json?: boolean }, command: Command): Promise<void> {
  const now = new Date();
  return withStores(command, async (stores) => {
    for (const k of await stores.apiKeys.list()) {
      // Never the key or its hash: what an operator needs to tell keys apart and see which are still used.
      const row = {
        name: k.name,
        id: k.id,
        scopes: k.scopes,
        createdAt: k.createdAt,
        expiresAt: k.expiresAt,
        lastUsedAt: k.lastUsedAt,
        state: state(k, now),
      };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(row)}\n`);
        continue;
      }
      const fields = [
        k.name,
        k.scopes.join(','),
        `created ${k.createdAt}`,
        k.expiresAt === null ? 'no expiry' : `expires ${k.expiresAt}`,
        k.lastUsedAt === null ? 'never used' : `last used ${k.lastUsedAt}`,
        row.state,
      ];
      process.stdout.write(`${fields.join('\t')}\n`);
    }
  });
}

/** Registers `assent apikey …` on the root program. */
export function registerApiKeyCommands(program: Command): void {
  const apikey = program
    .command('apikey')
    .description('manage keys for the REST API on the admin listener (docs/api.md)');

  apikey
    .command('add')
    .description('create an API key and print it once')
    .requiredOption(
      '--name <name>',
      'unique name: the HTTP Basic user name, shown in logs (A–Z a–z 0–9 . _ -)',
    )
    .option(
      '--scope <scope>',
      `what the key may do: ${API_SCOPES.join(', ')}; at least one, repeat it for more`,
      collect,
    )
    .option('--expires <when>', 'refuse the key from then on: 90d, 12h, 30m, 2w, or an ISO date/date-time')
    .addHelpText(
      'after',
      `
Scopes: push starts pushes (/api/v1/pushauth/); auth checks passwords and codes; read-only
reads the management API; admin may do everything. Give --scope once per scope.

The key is printed once, on standard output: store it in the application's secret store
right away. Assent keeps only its SHA-256, so a lost key cannot be shown again: add a new
one and remove the old. Send it as HTTP Basic "<name>:<key>" (FortiAuthenticator clients
log in as admin:<key>: name the key "admin" for them) or as "Authorization: Bearer <key>".
A date without a time is midnight UTC at the start of that day; past times are refused.

Examples:
  assent apikey add --name portal --scope push
  assent apikey add --name monitoring --scope read-only --expires 90d
  assent apikey add --name admin --scope admin --expires 2027-06-30
  assent apikey add --name vpn-portal --scope auth --scope push --expires 2027-06-30T18:00:00Z`,
    )
    .action(addKey);

  apikey
    .command('list')
    .description('list API keys: scopes, dates, state (the keys themselves are never shown)')
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      `
"last used" is updated at most once a minute. Before removing a key, check it is no longer
used by any application.

Examples:
  assent apikey list
  assent apikey list --json | jq -r 'select(.state == "expired") | .name'     keys to clean up`,
    )
    .action(listKeys);

  apikey
    .command('remove')
    .description('remove an API key by name: requests with it are refused from then on')
    .argument('<name>')
    .addHelpText(
      'after',
      `
To rotate a key: add a new one, switch the application to it, check with "apikey list"
that the old one is no longer used, then remove the old one.

Example:
  assent apikey remove portal-2026`,
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      const removed = await withStores(command, (stores) => stores.apiKeys.remove(name));
      if (!removed) throw new CliError(`apikey remove: no API key named "${name}"`, ExitCode.Failed);
      process.stdout.write(`API key ${name} removed; requests with it are refused from now on\n`);
    });
}
