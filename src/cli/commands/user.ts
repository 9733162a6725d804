// Owns `assent user add|list|passwd|disable|enable|remove`: local users and their first-factor passwords.
import type { Command } from 'commander';
import { hashArgon2id } from '../../directory/password/argon2id.js';
import { StoreError } from '../../domain/ports.js';
import { isValidUserName, UserStatus } from '../../domain/user.js';
import { loadCliConfig, withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';
import { generatePassword, readNewPassword } from '../secret-input.js';
import { registerUserImportCommand } from './user-import.js';

interface AddOptions {
  passwordStdin?: boolean;
  generatePassword?: boolean;
  groups?: string;
  disabled?: boolean;
}

function checkName(name: string): void {
  if (!isValidUserName(name)) {
    throw new CliError(
      `user name "${name}": 1–253 octets without control characters expected`,
      ExitCode.Usage,
    );
  }
}

function parseGroups(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
}

async function passwordFor(
  options: { generatePassword?: boolean },
  what: string,
): Promise<[string, boolean]> {
  if (options.generatePassword) return [generatePassword(), true];
  return [await readNewPassword(what), false];
}

function notFound(name: string): never {
  throw new CliError(`no user named "${name}"`, ExitCode.Failed);
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage local users (first factor: password)');

  user
    .command('add')
    .description('add a local user with an argon2id password hash')
    .argument('<name>', 'user name as the NAS sends it in User-Name (case-sensitive)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--generate-password', 'generate a random password and print it once')
    .option('--groups <list>', 'comma-separated group names')
    .option('--disabled', 'create the user disabled')
    .addHelpText(
      'after',
      `
Without --generate-password the password is asked twice on a terminal, or read from the first
line of standard input when it is not a terminal. It is never taken from the command line.

Examples:
  assent user add alice
  printf '%s\\n' "$PW" | assent user add bob --password-stdin --groups vpn,admins
  assent user add carol --generate-password`,
    )
    .action(async (name: string, options: AddOptions, command: Command) => {
      checkName(name);
      const config = loadCliConfig(command);
      const [password, generated] = await passwordFor(options, `password for ${name}`);
      const hash = await hashArgon2id(password, config.passwords.argon2);
      await withStores(command, (stores) => {
        try {
          stores.users.add({
            name,
            passwordHash: hash,
            groups: parseGroups(options.groups),
            status: options.disabled ? UserStatus.Disabled : UserStatus.Active,
          });
        } catch (error) {
          if (error instanceof StoreError) throw new CliError(`user add: ${error.message}`, ExitCode.Failed);
          throw error;
        }
      });
      process.stdout.write(`user ${name} added\n`);
      if (generated) process.stdout.write(`password: ${password}\n`);
    });

  user
    .command('list')
    .description('list local users (hashes are never shown, only their scheme)')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withStores(command, (stores) => {
        for (const u of stores.users.list()) {
          const scheme =
            u.passwordHash === null ? 'none' : (/^(\$[^$]+\$|\{[^}]+\})/.exec(u.passwordHash)?.[1] ?? '?');
          if (options.json) {
            const row = {
              name: u.name,
              status: u.status,
              groups: u.groups,
              passwordScheme: scheme,
              updatedAt: u.updatedAt,
            };
            process.stdout.write(`${JSON.stringify(row)}\n`);
          } else {
            process.stdout.write(`${u.name}\t${u.status}\t${u.groups.join(',') || '-'}\t${scheme}\n`);
          }
        }
      });
    });

  user
    .command('passwd')
    .description("set a user's password")
    .argument('<name>')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--generate-password', 'generate a random password and print it once')
    .action(async (name: string, options: AddOptions, command: Command) => {
      const config = loadCliConfig(command);
      const [password, generated] = await passwordFor(options, `password for ${name}`);
      const hash = await hashArgon2id(password, config.passwords.argon2);
      const done = await withStores(command, (stores) => stores.users.setPasswordHash(name, hash));
      if (!done) notFound(name);
      process.stdout.write(`password of ${name} changed\n`);
      if (generated) process.stdout.write(`password: ${password}\n`);
    });

  for (const [verb, status] of [
    ['disable', UserStatus.Disabled],
    ['enable', UserStatus.Active],
  ] as const) {
    user
      .command(verb)
      .description(`${verb} a user (a disabled user gets the same Access-Reject as a wrong password)`)
      .argument('<name>')
      .action(async (name: string, _options: unknown, command: Command) => {
        const done = await withStores(command, (stores) => stores.users.setStatus(name, status));
        if (!done) notFound(name);
        process.stdout.write(`user ${name} ${status === UserStatus.Active ? 'enabled' : 'disabled'}\n`);
      });
  }

  user
    .command('remove')
    .description('remove a user')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const done = await withStores(command, (stores) => stores.users.remove(name));
      if (!done) notFound(name);
      process.stdout.write(`user ${name} removed\n`);
    });

  registerUserImportCommand(user);
}
