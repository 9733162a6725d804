// Owns `assent user import`: bring users and their existing password hashes over from CSV or a FreeRADIUS users file.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseCsvUsers } from '../../directory/import/csv-users.js';
import { parseFreeRadiusUsersFile } from '../../directory/import/freeradius-users-file.js';
import type { ImportResult } from '../../directory/import/imported-user.js';
import { hashArgon2id } from '../../directory/password/argon2id.js';
import type { NewUser } from '../../domain/user.js';
import { loadCliConfig, withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

type Format = 'csv' | 'freeradius';

function guessFormat(file: string): Format {
  return file.toLowerCase().endsWith('.csv') ? 'csv' : 'freeradius';
}

export function registerUserImportCommand(user: Command): void {
  user
    .command('import')
    .description('import users with their existing password hashes (no password resets needed)')
    .argument('<file>', 'CSV file or FreeRADIUS users file ("-" for standard input)')
    .option('--format <format>', 'csv | freeradius (default: by file name: .csv → csv, else freeradius)')
    .option('--dry-run', 'parse and report, change nothing')
    .addHelpText(
      'after',
      `
Formats:
  csv         header line; columns username (required), password_hash or password (clear text,
              hashed with argon2id on import), groups (";"-separated), status (active|disabled)
  freeradius  a FreeRADIUS users file (mods-config/files/authorize): SSHA2-256-Password,
              SSHA2-512-Password, SSHA-Password, Crypt-Password, Password-With-Header,
              Cleartext-Password; DEFAULT entries and reply items are skipped and reported.

Accepted hashes: {SSHA256} {SSHA512} {SSHA} {SHA256} {SHA512} {SHA}, $5$/$6$ SHA-crypt,
bcrypt $2a$/$2b$/$2y$, argon2 $argon2id$/$argon2i$. Legacy hashes are replaced by argon2id on
the user's next successful login unless passwords.upgradeLegacyHashes is false.
Names, clear passwords and groups follow the rules of "assent user add --help"; a name or password
that is not valid UTF-8 fails its line. Existing users with the same name are updated (password
hash, groups, status).
A file with any failing line is not imported at all (exit 1); fix the lines listed.

Examples:
  assent user import users.csv
  assent user import /etc/freeradius/3.0/mods-config/files/authorize --format freeradius --dry-run`,
    )
    .action(async (file: string, options: { format?: string; dryRun?: boolean }, command: Command) => {
      const format = (options.format ?? guessFormat(file)) as Format;
      if (format !== 'csv' && format !== 'freeradius') {
        throw new CliError(`--format: expected csv or freeradius, got "${options.format}"`, ExitCode.Usage);
      }
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        throw new CliError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
          ExitCode.Failed,
        );
      }
      const parsed: ImportResult = format === 'csv' ? parseCsvUsers(text) : parseFreeRadiusUsersFile(text);
      for (const note of parsed.skipped)
        process.stderr.write(`${file}:${note.line}: skipped: ${note.reason}\n`);
      for (const note of parsed.failures)
        process.stderr.write(`${file}:${note.line}: error: ${note.reason}\n`);
      if (parsed.failures.length > 0) {
        throw new CliError(`${parsed.failures.length} line(s) failed; nothing imported`, ExitCode.Failed);
      }
      const config = loadCliConfig(command);
      const users: NewUser[] = [];
      for (const u of parsed.users) {
        const passwordHash =
          u.clearPassword === undefined
            ? u.passwordHash
            : await hashArgon2id(u.clearPassword, config.passwords.argon2);
        users.push({ name: u.name, passwordHash, groups: u.groups, status: u.status });
      }
      if (options.dryRun) {
        process.stdout.write(`${users.length} user(s) would be imported (dry run)\n`);
        return;
      }
      const counts = await withStores(command, (stores) => stores.users.upsertMany(users));
      process.stdout.write(
        `imported ${users.length} user(s): ${counts.added} added, ${counts.updated} updated\n`,
      );
    });
}
