// Owns the `assent-authenticator` command line: enroll, see and answer push requests, show codes (docs/push.md).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import type { PushRequest } from '../domain/push-protocol.js';
import { parseOtpauthUri } from '../otp/otpauth-uri.js';
import { generateTotp } from '../otp/totp.js';
import { type Account, AccountStore, authenticatorHome } from './account-store.js';
import { answer, DeviceError, enroll, pending } from './device-client.js';
import { newNtfyTopic, TopicUrlError } from './ntfy-topic.js';
import { arrivals } from './watch.js';

const Exit = { Ok: 0, Failed: 1, Usage: 2 } as const;

class UsageError extends Error {}

const store = () => new AccountStore(authenticatorHome());
const out = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`assent-authenticator: ${line}\n`);

/** The accounts a command works on: all of them, or the one `--account` names. */
function accountsFor(option: string | undefined): Account[] {
  const all = store().accounts();
  if (all.length === 0)
    throw new UsageError('no account: run "assent-authenticator enroll <activation-url>" first');
  if (option === undefined) return all;
  const chosen = all.filter((a) => a.deviceId === option);
  if (chosen.length === 0) throw new UsageError(`no account ${option} (see "assent-authenticator list")`);
  return chosen;
}

interface Open {
  readonly account: Account;
  readonly request: PushRequest;
}

async function openRequests(option: string | undefined): Promise<Open[]> {
  const found: Open[] = [];
  for (const account of accountsFor(option)) {
    for (const request of await pending(account)) found.push({ account, request });
  }
  return found.sort((a, b) => b.request.time.localeCompare(a.request.time));
}

function describe({ account, request }: Open): string {
  const from = request.user_ip === '' ? '' : ` from ${request.user_ip}`;
  const number = request.number_matching ? ' (number matching)' : '';
  return `${request.session_id}  ${request.user} at ${request.client}${from}, ${request.time}, expires ${request.expires}${number}  [${account.deviceId}]`;
}

/** The request an `approve`/`deny` means: a session id (or a prefix of at least 6), or the newest with --latest. */
async function chosen(
  session: string | undefined,
  options: { latest?: boolean; account?: string },
): Promise<Open> {
  if (session === undefined && !options.latest) throw new UsageError('name a session id, or give --latest');
  const open = await openRequests(options.account);
  if (open.length === 0) throw new DeviceError('no open push request');
  if (session === undefined) return open[0]!;
  if (session.length < 6) throw new UsageError('a session id prefix needs at least 6 characters');
  const matches = open.filter((o) => o.request.session_id.startsWith(session));
  if (matches.length !== 1)
    throw new DeviceError(matches.length === 0 ? `no open request ${session}` : `${session} is ambiguous`);
  return matches[0]!;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** PROTOCOL P7: the number shown at the NAS; asked for on a terminal when not given. */
async function numberFor(open: Open, given: string | undefined): Promise<string> {
  if (!open.request.number_matching) return '';
  if (given !== undefined) return given;
  if (!process.stdin.isTTY) throw new UsageError('this request uses number matching: give --number NN');
  return ask('Number shown at the sign-in: ');
}

const program = new Command('assent-authenticator')
  .description('A command-line authenticator for Assent push sign-ins (and TOTP codes)')
  .exitOverride()
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
State lives in $ASSENT_AUTHENTICATOR_HOME (default ~/.config/assent-authenticator): one file per
account with this device's private key (and, with --ntfy, its push receiver key), mode 0600.
Every push request is checked against the server's signing key before it is shown; answers are
signed with the device key.

Requests are fetched by polling the server. An account enrolled with --ntfy also gets them pushed
over a ntfy (UnifiedPush) topic, encrypted to this device (RFC 8291): "watch" shows them at once.

Examples:
  assent-authenticator enroll https://assent.example.com:4433/device/v1/activation/Xy… --ca server.pem
  assent-authenticator enroll https://assent.example.com:4433/device/v1/activation/Xy… --ntfy https://ntfy.sh
  assent-authenticator pending
  assent-authenticator approve --latest
  assent-authenticator deny 3q2-7wAb --not-me
  assent-authenticator watch

Exit codes: 0 ok, 1 failed (server unreachable or refused), 2 usage error.`,
  );

program
  .command('enroll')
  .description(
    'enroll this authenticator with a one-time activation link from "assent token add --type push"',
  )
  .argument('<activation-url>')
  .option('--label <text>', 'a name for this device in "assent token list"', '')
  .option(
    '--ca <file>',
    "PEM of the CA (or the self-signed certificate) to check the server's certificate with",
  )
  .option(
    '--ntfy <url>',
    'have requests pushed to a ntfy topic (https://<ntfy server>/<topic>); a bare server URL gets a new random topic',
  )
  .option(
    '--ntfy-ca <file>',
    "PEM of the CA to check the ntfy server's certificate with (default: the system's)",
  )
  .action(async (url: string, options: { label: string; ca?: string; ntfy?: string; ntfyCa?: string }) => {
    if (!/^https:\/\/[^/]+\/device\/v1\/activation\/[A-Za-z0-9_-]{22}$/.test(url)) {
      throw new UsageError('expected https://<server>/device/v1/activation/<code> as printed by the server');
    }
    if (options.ntfyCa !== undefined && options.ntfy === undefined)
      throw new UsageError('--ntfy-ca goes with --ntfy');
    const ca = options.ca === undefined ? '' : readFileSync(options.ca, 'utf8');
    const ntfyCa = options.ntfyCa === undefined ? '' : readFileSync(options.ntfyCa, 'utf8');
    const topic = options.ntfy === undefined ? undefined : newNtfyTopic(options.ntfy, ntfyCa);
    const account = await enroll(url, options.label, ca, topic);
    store().saveAccount(account);
    out(`enrolled as ${account.deviceId} for ${account.user} at ${account.serverName} (${account.replyTo})`);
    if (topic !== undefined) out(`pushes arrive over ntfy at ${topic.topicUrl} ("watch" listens)`);
  });

program
  .command('list')
  .description('list the enrolled accounts')
  .action(() => {
    for (const a of store().accounts()) {
      const delivery = a.ntfy === undefined ? 'poll' : `ntfy ${a.ntfy.topicUrl}`;
      out(`${a.deviceId}\t${a.user}\t${a.serverName}\t${a.replyTo}\t${delivery}`);
    }
  });

program
  .command('pending')
  .description('show the open push requests (newest first), checked against the server key')
  .option('--account <device-id>', 'only this account')
  .option('--json', 'one JSON object per line')
  .action(async (options: { account?: string; json?: boolean }) => {
    for (const open of await openRequests(options.account)) {
      out(
        options.json ? JSON.stringify({ account: open.account.deviceId, ...open.request }) : describe(open),
      );
    }
  });

program
  .command('approve')
  .description('approve a push request')
  .argument('[session-id]', 'the session id (or a prefix of 6 or more characters) shown by "pending"')
  .option('--latest', 'the newest open request')
  .option('--number <nn>', 'the number shown at the sign-in (number matching)')
  .option('--account <device-id>', 'only this account')
  .action(
    async (session: string | undefined, options: { latest?: boolean; number?: string; account?: string }) => {
      const open = await chosen(session, options);
      const result = await answer(
        open.account,
        open.request,
        'approve',
        '',
        await numberFor(open, options.number),
      );
      out(`${open.request.session_id}: ${result}`);
    },
  );

program
  .command('deny')
  .description(
    'deny a push request; --not-me also reports it (pushes to the user are muted, the admin alerted)',
  )
  .argument('[session-id]', 'the session id (or a prefix of 6 or more characters) shown by "pending"')
  .option('--latest', 'the newest open request')
  .option('--not-me', '"this wasn\'t me": the sign-in was not started by the user')
  .option('--account <device-id>', 'only this account')
  .action(
    async (session: string | undefined, options: { latest?: boolean; notMe?: boolean; account?: string }) => {
      const open = await chosen(session, options);
      const result = await answer(open.account, open.request, 'deny', options.notMe ? 'not_me' : '', '');
      out(`${open.request.session_id}: ${result}`);
    },
  );

program
  .command('watch')
  .description(
    'wait for push requests and ask about each on the terminal (y approve, n deny, x not me); ' +
      'requests pushed over ntfy show at once, polling finds the rest',
  )
  .option('--interval <seconds>', 'seconds between polls (for an account with ntfy, the fallback)', '2')
  .option('--account <device-id>', 'only this account')
  .action(async (options: { interval: string; account?: string }) => {
    const interval = Number(options.interval);
    if (!Number.isFinite(interval) || interval < 1 || interval > 60)
      throw new UsageError('--interval: 1 to 60 seconds');
    if (!process.stdin.isTTY)
      throw new UsageError('watch needs a terminal; use "pending" and "approve" in scripts');
    const accounts = accountsFor(options.account);
    const sources = { poll: () => openRequests(options.account), pollIntervalMs: interval * 1000, warn };
    for await (const open of arrivals(accounts, sources)) {
      out(`${describe(open)}${open.via === 'ntfy' ? '  (pushed over ntfy)' : ''}`);
      const reply = (await ask('Approve this sign-in? [y/n/x = not me] ')).toLowerCase();
      const decision = reply === 'y' ? 'approve' : 'deny';
      const number = decision === 'approve' ? await numberFor(open, undefined) : '';
      const result = await answer(
        open.account,
        open.request,
        decision,
        reply === 'x' ? 'not_me' : '',
        number,
      ).catch((error: unknown) => (error as Error).message);
      out(`${open.request.session_id}: ${result}`);
    }
  });

program
  .command('add-token')
  .description('hold a TOTP token from its otpauth:// URI (as "assent token add" prints it)')
  .argument('<otpauth-uri>')
  .option('--label <text>', "a name for it (default: the URI's account name)")
  .action((uri: string, options: { label?: string }) => {
    const parsed = parseOtpauthUri(uri);
    if (!parsed.ok) throw new UsageError(`not an otpauth URI this authenticator can use (${parsed.reason})`);
    if (parsed.key.type !== 'totp')
      throw new UsageError('only TOTP tokens can be held (HOTP needs a counter on a device)');
    const label = options.label ?? parsed.key.account;
    store().saveToken({ label, uri });
    out(`holding token ${label}`);
  });

program
  .command('code')
  .description('show the current code of each held TOTP token')
  .action(() => {
    const now = Date.now() / 1000;
    for (const token of store().tokens()) {
      const parsed = parseOtpauthUri(token.uri);
      if (!parsed.ok || parsed.key.type !== 'totp') continue;
      const { secret, digits, period, algorithm } = parsed.key;
      const left = Math.ceil(period - (now % period));
      out(`${token.label}\t${generateTotp(secret, now, { digits, period, algorithm })}\t(${left} s left)`);
    }
  });

// `assent-authenticator … | head`: a reader that stops early is not an error; end quietly like other Unix tools.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? Exit.Ok);
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? Exit.Ok : Exit.Usage;
  else if (error instanceof UsageError || error instanceof TopicUrlError) {
    process.stderr.write(`assent-authenticator: ${error.message}\n`);
    process.exitCode = Exit.Usage;
  } else if (error instanceof DeviceError) {
    process.stderr.write(`assent-authenticator: ${error.message}\n`);
    process.exitCode = Exit.Failed;
  } else {
    process.stderr.write(`assent-authenticator: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = Exit.Failed;
  }
}
