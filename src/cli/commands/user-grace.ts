// Owns `assent user grace`: one user's own grace period, replacing the global and group ones (issue 18).
import type { Command } from 'commander';
import { graceDateProblem } from '../../auth/second-factor-policy.js';
import type { OwnGrace } from '../../domain/grace-logins.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

interface GraceOptions {
  until?: string;
  logins?: string;
  clear?: boolean;
  json?: boolean;
}

/** The most grace sign-ins one user may be given, as for `secondFactor.graceLogins`. */
const MAX_LOGINS = 10_000;

function describe(name: string, grace: OwnGrace | undefined): string {
  if (grace === undefined) return `${name}: no own grace period (the global and group settings apply)`;
  const parts = [
    grace.until === '' ? undefined : `until ${grace.until}`,
    grace.logins === 0 ? undefined : `${grace.logins} sign-ins`,
  ].filter((p) => p !== undefined);
  return parts.length === 0
    ? `${name}: own grace period of none (a second factor is required now)`
    : `${name}: own grace period ${parts.join(', whichever ends first: ')}`;
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
  const until = options.until ?? '';
  const problem = until === '' ? undefined : graceDateProblem(until);
  if (problem !== undefined) throw new CliError(`--until: ${problem}`, ExitCode.Usage);
  const logins = options.logins === undefined ? 0 : Number(options.logins);
  if (
    !Number.isInteger(logins) ||
    logins < 0 ||
    logins > MAX_LOGINS ||
    !/^\d+$/.test(options.logins ?? '0')
  ) {
    throw new CliError(`--logins: expected a whole number 0–${MAX_LOGINS}`, ExitCode.Usage);
  }
  return { until, logins };
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
      const result = await withStores(command, (stores) => {
        if (change === 'clear') return { cleared: stores.graceLogins.setOwnGrace(name, undefined, now) };
        if (change !== undefined) stores.graceLogins.setOwnGrace(name, change, now);
        return { grace: stores.graceLogins.ownGrace(name) };
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
      process.stdout.write(`${describe(name, result.grace)}\n`);
    });
}
