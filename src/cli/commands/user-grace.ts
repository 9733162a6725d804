// Owns `assent user grace`: one user's own grace period, replacing the global and group ones (issue 18).
import type { Command } from 'commander';
import { describeOwnGrace, MAX_GRACE_LOGINS, ownGraceOf } from '../../admin/grace-admin.js';
import { UserInputError } from '../../admin/user-admin.js';
import type { OwnGrace } from '../../domain/grace-logins.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

interface GraceOptions {
  until?: string;
  logins?: string;
  clear?: boolean;
  json?: boolean;
}

/** Reads the options into the grace to store; undefined: only show it. @throws CliError */
function graceOf(options: GraceOptions): OwnGrace | 'clear' | undefined {
  if (options.clear === true) {
    if (options.until !== undefined || options.logins !== undefined) {
      throw new CliError('--clear cannot be combined with --until or --logins', ExitCode.Usage);
    }
    return 'clear';
  }
  if (options.until === undefined && options.logins === undefined) return undefined;
  if (options.logins !== undefined && !/^\d{1,6}$/.test(options.logins)) {
    throw new CliError(`--logins: expected a whole number 0–${MAX_GRACE_LOGINS}`, ExitCode.Usage);
  }
  try {
    return ownGraceOf({
      until: options.until,
      logins: options.logins === undefined ? undefined : Number(options.logins),
    });
  } catch (error) {
    if (error instanceof UserInputError)
      throw new CliError(`--${error.field}: ${error.message}`, ExitCode.Usage);
    throw error;
  }
}

export function registerUserGraceCommand(user: Command, checkName: (name: string) => void): void {
  user
    .command('grace')
    .description("show or set one user's own grace period (instead of the global and group ones)")
    .argument('<name>')
    .option('--until <YYYY-MM-DD>', 'let the user in without a second factor until this date (UTC)')
    .option('--logins <n>', 'for this many sign-ins (with --until: whichever ends first)')
    .option('--clear', 'remove the own grace period: the global and group settings apply again')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
Under secondFactor.requireForAll, a user who holds no token or push device is let in on the
password alone while a grace period lasts, each Access-Accept reminding them to enrol
(docs/self-service.md). The global and group grace periods come from the configuration file;
this command gives one user their own, which replaces them for that user: a longer one for a
traveller, or none at all ("--logins 0" alone) for a user who must enrol now. Sign-ins are
counted by the same counter as secondFactor.graceLogins ("assent user grace-reset" clears it).
Without --until, --logins or --clear the command shows what is set. The name is not checked
against the user list, so directory (LDAP) users can be given one too.

Examples:
  assent user grace alice --until 2027-02-01
  assent user grace bob --logins 0
  assent user grace carol --clear`,
    )
    .action(async (name: string, options: GraceOptions, command: Command) => {
      checkName(name);
      const change = graceOf(options);
      const now = new Date();
      const result = await withStores(command, async (stores) => {
        if (change === 'clear')
          return { cleared: await stores.graceLogins.setOwnGrace(name, undefined, now) };
        if (change !== undefined) await stores.graceLogins.setOwnGrace(name, change, now);
        return { grace: await stores.graceLogins.ownGrace(name) };
      });
      if (options.json === true) {
        const grace = 'grace' in result ? (result.grace ?? null) : null;
        process.stdout.write(`${JSON.stringify({ user: name, grace })}\n`);
        return;
      }
      if ('cleared' in result) {
        process.stdout.write(
          result.cleared ? `${name}: own grace period removed\n` : `${name}: had no own grace period\n`,
        );
        return;
      }
      process.stdout.write(`${describeOwnGrace(name, result.grace)}\n`);
    });
}
