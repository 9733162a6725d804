// Owns `assent user sign-ins`: a user's recent sign-ins as the portal shows them (issue 18), for the help desk.
import { type Command, InvalidArgumentError } from 'commander';
import type { SignIn } from '../../domain/sign-in.js';
import { withStores } from '../cli-context.js';

const MAX_LIMIT = 1000;

function limit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_LIMIT) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

/** One line of the table: time, result, how or why, client, address, txn, and the report if any. */
function line(s: SignIn): string {
  const outcome = s.result === 'accepted' ? `accepted\t${s.how || '-'}` : `rejected\t${s.reason || '-'}`;
  const notMe = s.notMeAt === null ? '' : `\tnot me (${s.notMeAt})`;
  return `${s.at}\t${outcome}\t${s.client}\t${s.userIp || '-'}\t${s.txn}${notMe}`;
}

export function registerUserSignInsCommand(user: Command): void {
  user
    .command('sign-ins')
    .description("list a user's recent sign-ins, newest first (what the user portal shows them)")
    .argument('<name>', 'user name as the server keys it (local user, or directory user without realm)')
    .option('--limit <n>', `how many, 1 to ${MAX_LIMIT}`, limit, 20)
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      `
Every final outcome of a login of the user is kept: accepted or rejected, over RADIUS or the
REST API; a challenge or a push still waiting is not an outcome yet. One line per sign-in, tab
separated:

  time  accepted  how     client  user address  txn
  time  rejected  reason  client  user address  txn   [not me (when reported)]

"how" is push, totp, hotp, backup, password (no second factor was needed) or grace (a grace
sign-in of a user still to enrol); "reason" is a code of docs/errors.md (BAD_PASSWORD,
PUSH_DENIED, ...). "client" is the NAS's client name, or the REST API key's name. The user
address is the Calling-Station-Id the NAS sent ("-" when it sent none). "txn" finds the login's
log lines. A sign-in reported as "this wasn't me" says when.

Not kept: rejections of names that are no known user, malformed requests, and answers to a
State that is not the login's own (docs/security.md A12.1). Sign-ins are kept
portal.signInHistoryDays (90) days. A running server writes them every half second, so the
newest may take that long to show here.

Examples:
  assent user sign-ins alice
  assent user sign-ins alice --limit 100 --json | jq -r 'select(.result == "rejected") | .reason'`,
    )
    .action(async (name: string, options: { limit: number; json?: boolean }, command: Command) => {
      const rows = await withStores(command, (stores) => stores.signIns.recent(name, options.limit));
      for (const s of rows) {
        process.stdout.write(options.json ? `${JSON.stringify(s)}\n` : `${line(s)}\n`);
      }
      if (rows.length === 0 && !options.json) process.stderr.write(`no sign-ins of "${name}" recorded\n`);
    });
}
