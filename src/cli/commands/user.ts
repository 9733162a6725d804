// Owns `assent user add|list|passwd|disable|enable|remove|unlock|lockouts`: local users, passwords and lockouts
// (`import` and `sign-ins` are registered from their own files).
import type { Command } from 'commander';
import {
  checkGroups,
  checkUserName,
  choosePassword,
  lockoutRows,
  type UnlockResult,
  UserInputError,
  unlockAccount,
  unlockFoundNothing,
  usersWithoutSecondFactor,
} from '../../admin/user-admin.js';
import { hashArgon2id } from '../../directory/password/argon2id.js';
import { StoreError } from '../../domain/ports.js';
import { UserStatus } from '../../domain/user.js';
import type { Stores } from '../../store/open-stores.js';
import { TokenHolders } from '../../store/token-holders.js';
import { loadCliConfig, withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';
import { generatePassword, readNewPassword } from '../secret-input.js';
import { registerUserGraceCommand } from './user-grace.js';
import { registerUserImportCommand } from './user-import.js';
import { registerUserSignInsCommand } from './user-sign-ins.js';

interface AddOptions {
  passwordStdin?: boolean;
  generatePassword?: boolean;
  groups?: string;
  disabled?: boolean;
  /** False with --no-password (commander negates the flag). */
  password?: boolean;
}

/** Whether a name holds a token or push device, spelled as logins find it (issue 12). */
async function holdsSecondFactor(stores: Stores): Promise<(name: string) => boolean> {
  const holders = new TokenHolders(stores.holderQueries);
  await holders.refresh();
  return (name) => holders.holderOf(name) !== undefined;
}

/** The admin layer's rules (shared with the REST API), as CLI usage errors. */
function usage<T>(run: () => T, prefix = ''): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof UserInputError) throw new CliError(`${prefix}${error.message}`, ExitCode.Usage);
    throw error;
  }
}

function checkName(name: string): void {
  usage(() => checkUserName(name), 'user name ');
}

function parseGroups(text: string | undefined): string[] {
  if (text === undefined) return [];
  return usage(() => checkGroups(text.split(',')), '--groups: ');
}

async function passwordFor(
  options: { generatePassword?: boolean },
  what: string,
): Promise<[string, boolean]> {
  if (options.generatePassword) return [generatePassword(), true];
  const password = await readNewPassword(what);
  usage(() => choosePassword(password), `${what}: `);
  return [password, false];
}

function notFound(name: string): never {
  throw new CliError(`no user named "${name}"`, ExitCode.Failed);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function lockText(lockedUntil: string | null, now: Date): string {
  if (lockedUntil === null) return '-';
  return lockedUntil > now.toISOString() ? `locked until ${lockedUntil}` : `lock expired ${lockedUntil}`;
}

function describeUnlock(name: string, result: UnlockResult, now: Date): string {
  const { account, tokens } = result;
  const nowIso = now.toISOString();
  let accountText = 'account was not locked';
  if (account?.lockedUntil != null) {
    const until = account.lockedUntil;
    const was = until > nowIso ? `was locked until ${until}` : `last lock ended ${until}`;
    const detail = [was, count(account.failures, 'failure'), count(account.locks, 'lock')];
    accountText = `account unlocked (${detail.join(', ')})`;
  } else if (account !== undefined) {
    accountText = `account failures cleared (${count(account.failures, 'failure')})`;
  }
  const tokenStates = tokens
    .filter((t) => t.failures > 0 || (t.lockedUntil !== null && t.lockedUntil > nowIso))
    .map((t) => {
      const lock =
        t.lockedUntil !== null && t.lockedUntil > nowIso ? `was locked until ${t.lockedUntil}, ` : '';
      return `${t.serial}: ${lock}${count(t.failures, 'failure')}`;
    });
  const tokenText =
    tokens.length === 0
      ? 'no tokens'
      : `${count(tokens.length, 'token')} reset${tokenStates.length > 0 ? ` (${tokenStates.join('; ')})` : ''}`;
  const muteText = result.pushMuteLifted ? '; push mute lifted' : '';
  return `${name}: ${accountText}; ${tokenText}${muteText}`;
}

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('manage local users (first factor: password) and account lockouts');

  user
    .command('add')
    .description('add a local user with an argon2id password hash')
    .argument('<name>', 'user name as the NAS sends it in User-Name (case-sensitive)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--generate-password', 'generate a random password and print it once')
    .option('--groups <list>', 'comma-separated group names')
    .option('--disabled', 'create the user disabled')
    .option(
      '--no-password',
      'no local password: a directory (LDAP/AD) checks it; the record holds tokens and local groups',
    )
    .addHelpText(
      'after',
      `
Without --generate-password the password is asked twice on a terminal, or read from the first
line of standard input when it is not a terminal. It is never taken from the command line.

Rules (the same for user passwd and user import): a name is 1-253 octets of UTF-8 without control
characters (RFC 2865 User-Name); a password 1-128 octets without NUL (the most RADIUS User-Password
carries: a longer one could never be typed in); at most 100 groups, each up to 253 octets.

A user added with --no-password never logs in on a local password: the login goes on to the
sources in realms.default (docs/ldap.md), and this record lends the directory user its tokens
and local groups.

Examples:
  assent user add alice
  printf '%s\\n' "$PW" | assent user add bob --password-stdin --groups vpn,admins
  assent user add carol --generate-password
  assent user add dave --no-password --groups vpn && assent token add --user dave --type totp`,
    )
    .action(async (name: string, options: AddOptions, command: Command) => {
      checkName(name);
      const groups = parseGroups(options.groups);
      const config = loadCliConfig(command);
      const [password, generated] =
        options.password === false ? [undefined, false] : await passwordFor(options, `password for ${name}`);
      const hash = password === undefined ? null : await hashArgon2id(password, config.passwords.argon2);
      await withStores(command, async (stores) => {
        try {
          await stores.users.add({
            name,
            passwordHash: hash,
            groups,
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
    .option(
      '--without-second-factor',
      'only users who hold no token or push device yet (who still has to enrol)',
    )
    .addHelpText(
      'after',
      `
With --without-second-factor, only users holding no second factor are listed: the ones a
secondFactor.requireForAll policy refuses once their grace period (secondFactor.graceUntil)
ends. The metric assent_users_without_second_factor counts them by group.

Examples:
  assent user list
  assent user list --without-second-factor --json | jq -r .name`,
    )
    .action(async (options: { json?: boolean; withoutSecondFactor?: boolean }, command: Command) => {
      await withStores(command, async (stores) => {
        const users = await (options.withoutSecondFactor
          ? usersWithoutSecondFactor(stores.users, await holdsSecondFactor(stores))
          : stores.users.list());
        for (const u of users) {
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
      .description(
        verb === 'disable'
          ? 'disable a user: every login gets the same Access-Reject as a wrong password (the log says why)'
          : 'enable a disabled user again: their password and tokens let them in as before',
      )
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

  user
    .command('unlock')
    .description("clear an account's failure count and lock, those of all its tokens, and a push mute")
    .argument('<name>', 'user name as the server keys it (local user, or directory user without realm)')
    .addHelpText(
      'after',
      `
After repeated wrong codes (docs/security.md A6.5) the server locks the account, and each token that
failed, for a while that doubles with each further lock of the account, and refuses every login
of the account meanwhile with the same Access-Reject as a wrong code (the log says why). Locks
end by themselves; "unlock" ends them now and forgets the failures and the lock count.

It also lifts a push mute: a user who answers a push with "this wasn't me" gets no pushes for
push.muteMinutes (A7.8); unlock lets pushes reach them again at once (the user pressed it by
mistake, or the attack is over). A mute the database could not store when it was reported
(logged as push.mute_not_shared) stays on that server until it ends. It does not end number
matching after missed pushes (A7.7): that is no lock, and it ends when the user approves a push.

It also works for directory (LDAP) users, who have no local user record but hold tokens,
lockouts and mutes under their user name. A running server sees the change at its next request.

Prints what it cleared. Exits 1 when the name has no lockout, no token, no push mute and no
local user.

Examples:
  assent user unlock alice
  assent user lockouts                 who is failing or locked now`,
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      checkName(name);
      const result = await withStores(command, (stores) => unlockAccount(stores, name));
      if (unlockFoundNothing(result)) {
        throw new CliError(
          `nothing to unlock for "${name}": no user, token, account lockout or push mute by that name`,
          ExitCode.Failed,
        );
      }
      process.stdout.write(`${describeUnlock(name, result, new Date())}\n`);
    });

  user
    .command('grace-reset')
    .description('give a user without a second factor the whole secondFactor.graceLogins allowance again')
    .argument('<name>')
    .addHelpText(
      'after',
      `
Under secondFactor.requireForAll with secondFactor.graceLogins set, every sign-in of a user who
holds no token or push device uses one of the allowance. This forgets how many were used.

Example:
  assent user grace-reset alice`,
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      checkName(name);
      const done = await withStores(command, (stores) => stores.graceLogins.reset(name));
      process.stdout.write(done ? `${name}: grace sign-ins reset\n` : `${name}: no grace sign-ins used\n`);
    });

  user
    .command('lockouts')
    .description('list accounts with failed codes or a lock (current or expired)')
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      `
One line per account: name, consecutive failures, lock state, and how many times it was
locked since its last success or unlock (each lock lasts twice as long as the one before).
A success or "assent user unlock" removes the account from this list. The failures and
locks of single tokens are shown by "assent token list".

Examples:
  assent user lockouts
  assent user lockouts --json | jq -r 'select(.locked) | .name'       who is locked right now`,
    )
    .action(async (options: { json?: boolean }, command: Command) => {
      const now = new Date();
      await withStores(command, async (stores) => {
        for (const row of await lockoutRows(stores.lockouts, now)) {
          if (options.json) process.stdout.write(`${JSON.stringify(row)}\n`);
          else {
            const parts = [row.name, count(row.failures, 'failure'), lockText(row.lockedUntil, now)];
            process.stdout.write(`${[...parts, count(row.locks, 'lock')].join('\t')}\n`);
          }
        }
      });
    });

  registerUserImportCommand(user);
  registerUserGraceCommand(user, checkName);
  registerUserSignInsCommand(user);
}
