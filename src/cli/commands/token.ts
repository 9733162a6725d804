// Owns `assent token add|list|remove|rename|import|resync`: second-factor tokens (TOTP, HOTP, backup codes) of users.
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import QRCode from 'qrcode';
import {
  addOtpToken,
  MAX_BACKUP_CODES,
  MAX_LABEL_LENGTH,
  removeToken,
  renameToken,
  TokenInputError,
  tokenRows,
} from '../../admin/token-admin.js';
import { parseTokenCsv } from '../../directory/import/csv-tokens.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { OtpAlgorithm } from '../../otp/otp-algorithm.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';
import { addPushToken } from './token-push.js';
import { registerTokenResyncCommand } from './token-resync.js';

interface AddOptions {
  user: string;
  type: 'totp' | 'hotp' | 'backup' | 'push';
  digits?: string;
  period: string;
  algorithm: OtpAlgorithm;
  issuer: string;
  label?: string;
  png?: string;
  svg?: string;
  count: string;
}

/** A number option, or undefined when absent; the rules (admin/token-admin.ts) judge its value. */
function numberOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

// docs/security.md A6.6: the seed is shown once; files holding it are owner-only.
async function writeQrFiles(uri: string, options: AddOptions): Promise<void> {
  if (options.png !== undefined) {
    writeFileSync(options.png, await QRCode.toBuffer(uri, { type: 'png' }), { mode: 0o600 });
  }
  if (options.svg !== undefined) {
    writeFileSync(options.svg, await QRCode.toString(uri, { type: 'svg' }), { mode: 0o600 });
  }
}

async function addToken(options: AddOptions, command: Command): Promise<void> {
  if (options.type === 'push') return addPushToken(options, command);
  const type = options.type;
  const userName = options.user;
  const input = {
    user: userName,
    type,
    digits: numberOption(options.digits),
    period: numberOption(options.period),
    algorithm: options.algorithm,
    issuer: options.issuer,
    label: options.label,
    count: type === 'backup' ? numberOption(options.count) : undefined,
  };
  const added = await withStores(command, async (stores) => {
    try {
      return await addOtpToken(stores, input);
    } catch (error) {
      if (!(error instanceof TokenInputError)) throw error;
      if (error.kind === 'invalid') {
        const option = error.field === 'issuer' ? '' : `--${error.field} `;
        const given = error.field === 'issuer' ? '' : `${options[error.field as keyof AddOptions] ?? ''}: `;
        throw new CliError(`${option}${given}${error.message}`, ExitCode.Usage);
      }
      throw new CliError(
        error.kind === 'not_found' ? error.message : `token add: ${error.message}`,
        ExitCode.Failed,
      );
    }
  });
  const { token } = added;
  const out = process.stdout;
  if (added.backupCodes !== undefined) {
    const codes = added.backupCodes;
    out.write(`token ${token.serial} added for ${userName} (backup, ${codes.length} codes)\n`);
    out.write('backup codes (shown once; each works once):\n');
    for (const code of codes) out.write(`  ${code.slice(0, 5)} ${code.slice(5)}\n`);
    return;
  }
  const uri = added.uri!;
  const params = type === 'totp' ? `, ${token.period} s` : '';
  out.write(
    `token ${token.serial} added for ${userName} (${type}, ${token.algorithm}, ${token.digits} digits${params})\n`,
  );
  out.write(`otpauth URI (shown once; it holds the secret):\n${uri}\n`);
  out.write(await QRCode.toString(uri, { type: 'terminal', small: true }));
  await writeQrFiles(uri, options);
}

function listTokens(options: { user?: string; json?: boolean }, command: Command): Promise<void> {
  return withStores(command, async (stores) => {
    // Never a secret, key or subscription: only what an admin needs to tell tokens apart and see their state.
    for (const row of await tokenRows(stores, options.user)) {
      if (options.json) {
        process.stdout.write(`${JSON.stringify(row)}\n`);
        continue;
      }
      if (row.type === 'push') {
        const seen = row.lastSeenAt === null ? 'never seen' : `seen ${row.lastSeenAt}`;
        process.stdout.write(
          `${row.serial}\t${row.user}\tpush\t${row.delivery}\t${seen}\t-\t${row.label || '-'}\n`,
        );
        continue;
      }
      const params =
        row.type === 'backup'
          ? `${row.unusedCodes} unused`
          : `${row.algorithm}/${row.digits}${row.type === 'totp' ? `/${row.period}s` : ''}`;
      const locked = row.lockedUntil === null ? '-' : `locked until ${row.lockedUntil}`;
      process.stdout.write(
        `${row.serial}\t${row.user}\t${row.type}\t${params}\t${row.failures} failures\t${locked}\t${row.label || '-'}\n`,
      );
    }
  });
}

async function importTokens(file: string, command: Command): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      ExitCode.Failed,
    );
  }
  const { tokens, lines, failures } = parseTokenCsv(text);
  const added = await withStores(command, async (stores) => {
    const store = stores.tokens;
    // Issue 12 item 13: every message names the file's line, as the parser's own do.
    for (const [index, token] of tokens.entries()) {
      if (!(await stores.users.getByName(token.userName)))
        failures.push(`line ${lines[index]}: no user named "${token.userName}"`);
      if (await store.getBySerial(token.serial))
        failures.push(`line ${lines[index]}: serial ${token.serial} already exists`);
    }
    if (failures.length > 0) {
      throw new CliError(`token import: nothing imported:\n  ${failures.join('\n  ')}`, ExitCode.Failed);
    }
    try {
      return await store.addMany(tokens);
    } catch (error) {
      // Issue 12: a copied secret or a second spelling of a holder; the store names the token by its serial.
      if (error instanceof StoreError && error.code === StoreErrorCode.Conflict) {
        const index = tokens.findIndex((t) => error.message.startsWith(`token ${t.serial}:`));
        const where = index < 0 ? '' : `line ${lines[index]}: `;
        throw new CliError(`token import: nothing imported: ${where}${error.message}`, ExitCode.Failed);
      }
      throw error;
    }
  });
  process.stdout.write(`${added} tokens imported\n`);
}

/** Registers `assent token …` on the root program. */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('manage second-factor tokens (TOTP, HOTP, backup codes)');

  token
    .command('add')
    .description('enrol a new token for a user and show its QR code once')
    .requiredOption('--user <name>', 'the user (must exist)')
    .addOption(
      new Option('--type <type>', 'token type').choices(['totp', 'hotp', 'backup', 'push']).default('totp'),
    )
    .option('--digits <n>', 'code length: 6 or 8 (hotp also 7)', undefined)
    .option('--period <seconds>', 'TOTP step: 30 or 60', '30')
    .addOption(
      new Option('--algorithm <name>', 'HMAC hash').choices(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
    )
    .option('--issuer <name>', 'name the authenticator app shows', 'Assent')
    .option('--label <text>', 'free text to tell tokens apart, e.g. "work phone"')
    .option('--png <file>', 'also write the QR code as a PNG file (mode 0600)')
    .option('--svg <file>', 'also write the QR code as an SVG file (mode 0600)')
    .option('--count <n>', `backup codes to create (1–${MAX_BACKUP_CODES})`, '10')
    .addHelpText(
      'after',
      `
A 160-bit secret is drawn from the CSPRNG and stored sealed under the key file. The otpauth://
URI and QR code are printed once and cannot be shown again: scan it now, or write a PNG/SVG for
the user and delete it after enrolment. SHA1 with 6 digits and 30 s works with every app; many
apps silently ignore other algorithms, digits and periods.

A user holding a token gets an Access-Challenge for the code after the right password (or, where
secondFactor.mode says so, types password and code together); changes reach a running server
within a second of "token add" (the change log).

Backup tokens hold one-time 10-digit codes, printed once; only salted hashes are stored.

A push token is an authenticator that approves sign-ins (docs/push.md): --type push prints a
single-use activation link, valid 10 minutes and bound to the user, and its QR code. The
authenticator (assent-authenticator enroll <link>) makes its own key
pair and registers the public half; the device then shows in "token list" as ASNP… and
"token remove ASNP…" revokes it. Set push.publicUrl to the address phones reach first.

Examples:
  assent token add --user alice
  assent token add --user alice --type totp --digits 8 --issuer "ACME VPN" --png alice.png
  assent token add --user bob --type hotp
  assent token add --user alice --type backup --count 10
  assent token add --user alice --type push --label "alice's phone"`,
    )
    .action((options: AddOptions, command: Command) => addToken(options, command));

  token
    .command('list')
    .description('list tokens and their state (secrets are never shown)')
    .option('--user <name>', 'only the tokens of this user')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExamples:\n  assent token list\n  assent token list --user alice --json')
    .action((options: { user?: string; json?: boolean }, command: Command) => listTokens(options, command));

  token
    .command('remove')
    .description('remove a token (and its unused backup codes)')
    .argument('<serial>')
    .addHelpText(
      'after',
      '\nA push device (ASNP…) is revoked at once: its next answer or poll is refused.\n' +
        '\nExamples:\n  assent token remove ASNT04718263\n  assent token remove ASNP01234567',
    )
    .action(async (serial: string, _options: unknown, command: Command) => {
      const done = await withStores(command, (stores) => removeToken(stores, serial));
      if (!done) throw new CliError(`no token with serial "${serial}"`, ExitCode.Failed);
      process.stdout.write(`token ${serial} removed\n`);
    });

  token
    .command('rename')
    .description('rename a token or push device (only its label changes)')
    .argument('<serial>', 'ASNT… for an OTP token or backup codes, ASNP… for a push device')
    .argument('<label>', `the new label, 1–${MAX_LABEL_LENGTH} printable characters (quote spaces)`)
    .addHelpText(
      'after',
      `
The label is what "token list", the REST API and the user portal show to tell a user's tokens
apart ("work phone", "YubiKey 5"). Leading and trailing spaces are trimmed; control characters
are refused. The secret, the replay state and a device's delivery stay as they are. Users can
rename their own devices in the portal (docs/self-service.md).

Examples:
  assent token rename ASNT04718263 "alice's old phone"
  assent token rename ASNP01234567 "Pixel 8"`,
    )
    .action(async (serial: string, label: string, _options: unknown, command: Command) => {
      const done = await withStores(command, async (stores) => {
        try {
          return await renameToken(stores, serial, label);
        } catch (error) {
          if (error instanceof TokenInputError)
            throw new CliError(`<label>: ${error.message}`, ExitCode.Usage);
          throw error;
        }
      });
      if (!done) throw new CliError(`no token with serial "${serial}"`, ExitCode.Failed);
      process.stdout.write(`token ${serial} renamed to ${JSON.stringify(label.trim())}\n`);
    });

  token
    .command('import')
    .description('import existing TOTP/HOTP tokens (e.g. hardware tokens) from CSV')
    .argument('<file>', 'CSV file ("-" for standard input)')
    .addHelpText(
      'after',
      `
CSV: a header line, then one token per line. Columns (any order, case-insensitive):
  serial     required, 1–64 of A–Z a–z 0–9 . _ -, unique
  user       required, an existing user
  secret     required, base32 (RFC 4648), at least 80 bits
  type       totp (default) or hotp
  digits     6 (default) or 8; hotp also 7
  period     30 (default) or 60 (totp)
  algorithm  SHA1 (default), SHA256 or SHA512
A file with any failing line imports nothing (exit 1); each failing line is listed by number.

Example:
  serial,user,secret,type,digits,period,algorithm
  HW0001,alice,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,totp,6,30,SHA1

  assent token import tokens.csv`,
    )
    .action((file: string, _options: unknown, command: Command) => importTokens(file, command));

  registerTokenResyncCommand(token);
}
