// Owns `assent token resync`: a drifted TOTP clock or HOTP counter found again from two consecutive codes.
import type { Command } from 'commander';
import { type Awaitable, whenReady } from '../../domain/awaitable.js';
import type { Token } from '../../domain/token.js';
import type { OtpDigits } from '../../otp/otp-algorithm.js';
import { OtpLimits } from '../../otp/otp-parameters.js';
import { resyncHotp, resyncTotp } from '../../otp/resync.js';
import type { TotpDigits } from '../../otp/verify-totp.js';
import type { Stores } from '../../store/open-stores.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

/** Where a successful resync moves the token: the new replay guard and drift. */
type ResyncFound =
  | { readonly ok: true; readonly lastUsed: number; readonly drift: number }
  | { readonly ok: false; readonly reason: 'CODE_FORMAT' | 'CODE_WRONG' | 'CODE_REPLAYED' };

function findResync(token: Token, code1: string, code2: string, hotpWindow: number, now: Date): ResyncFound {
  const common = { secret: token.secret, code1, code2, algorithm: token.algorithm };
  if (token.type === 'totp') {
    const result = resyncTotp({
      ...common,
      nowSeconds: Math.floor(now.getTime() / 1000),
      period: token.period,
      digits: token.digits as TotpDigits,
      state: { lastUsedStep: token.lastUsed, drift: token.drift },
    });
    return result.ok ? { ok: true, lastUsed: result.step, drift: result.newState.drift } : result;
  }
  const result = resyncHotp({
    ...common,
    digits: token.digits as OtpDigits,
    window: hotpWindow,
    state: { lastUsedCounter: token.lastUsed },
  });
  // HOTP has no clock: the drift column keeps whatever it held (0).
  return result.ok ? { ok: true, lastUsed: result.counter, drift: token.drift } : result;
}

const RESYNC_FAILED = 'codes do not match two consecutive codes within the resync window';

/**
 * docs/security.md A6.2/A6.3: resynchronises a drifted token from two consecutive codes. Both codes count as used, so
 * the result is stored with recordSuccess, the same compare-and-set a login uses (A6.4): lastUsed only grows and
 * no code becomes valid twice. Runs in an IMMEDIATE transaction (see the caller), so no login of another process
 * moves the token between reading it and storing the result, and the failures are cleared in the same commit.
 */
function resyncStored(
  stores: Stores,
  serial: string,
  codes: [string, string],
  hotpWindow: number,
): Awaitable<Token> {
  // Continued with whenReady, not await: an embedded database's transaction cannot span an `await`.
  return whenReady(stores.tokens.getBySerial(serial), (token) => {
    if (!token) throw new CliError(`no token with serial "${serial}"`, ExitCode.Failed);
    if (token.type === 'backup') {
      throw new CliError(
        `token ${serial} holds backup codes: they have no counter or clock to resynchronise`,
        ExitCode.Failed,
      );
    }
    const found = findResync(token, codes[0], codes[1], hotpWindow, new Date());
    if (!found.ok) {
      if (found.reason === 'CODE_FORMAT') {
        throw new CliError(`codes of token ${serial} have ${token.digits} digits`, ExitCode.Usage);
      }
      const hint = found.reason === 'CODE_REPLAYED' ? ' (they were already used: take two new ones)' : '';
      throw new CliError(`${RESYNC_FAILED}${hint}`, ExitCode.Failed);
    }
    const success = { expectedLastUsed: token.lastUsed, newLastUsed: found.lastUsed, drift: found.drift };
    return whenReady(stores.tokens.recordSuccess(serial, success), (recorded) => {
      if (!recorded) {
        throw new CliError(`token ${serial} changed while resynchronising: try again`, ExitCode.Failed);
      }
      // A6.5: the user proved to hold the token, as with a successful login.
      return whenReady(stores.tokens.resetFailures(serial), () =>
        whenReady(stores.tokens.getBySerial(serial), (after) => after ?? token),
      );
    });
  });
}

async function resyncToken(
  serial: string,
  codes: [string, string],
  options: { window: string },
  command: Command,
): Promise<void> {
  const window = Number(options.window);
  if (!Number.isInteger(window) || window < 1 || window > OtpLimits.hotpResyncWindowMax) {
    throw new CliError(
      `--window ${options.window}: expected 1–${OtpLimits.hotpResyncWindowMax}`,
      ExitCode.Usage,
    );
  }
  const token = await withStores(command, (stores) =>
    stores.transaction(() => resyncStored(stores, serial, codes, window)),
  );
  if (token.type === 'totp') {
    const seconds = token.drift * token.period;
    const way = seconds === 0 ? 'on time' : `${Math.abs(seconds)} s ${seconds > 0 ? 'ahead' : 'behind'}`;
    process.stdout.write(
      `token ${serial} resynchronised: clock drift ${token.drift} steps (${way}); failures and lock cleared\n`,
    );
  } else {
    process.stdout.write(
      `token ${serial} resynchronised: counter ${token.lastUsed} used, next code is counter ` +
        `${token.lastUsed + 1}; failures and lock cleared\n`,
    );
  }
}

/** Registers `assent token resync` on the `token` command. */
export function registerTokenResyncCommand(token: Command): void {
  token
    .command('resync')
    .description('resynchronise a drifted TOTP clock or HOTP counter from two consecutive codes')
    .argument('<serial>', 'the token, as "assent token list" shows it')
    .argument('<code1>', 'a code the token shows now')
    .argument('<code2>', 'the very next code it shows (TOTP: wait for it; HOTP: press again)')
    .option(
      '--window <counters>',
      `HOTP: counters searched after the last used one (1–${OtpLimits.hotpResyncWindowMax})`,
      String(OtpLimits.hotpResyncWindowDefault),
    )
    .addHelpText(
      'after',
      `
A TOTP token whose clock is off by more than a step, or an HOTP token pressed many times
without logging in, stops working. Ask the user for two codes in a row; resync searches for
them as a pair (docs/security.md A6.2, A6.3):
  totp  within 10 minutes either side of the server's clock; learns the token's drift, which
        later logins allow for (and keep adjusting).
  hotp  within --window counters after the last used one; moves the counter to the second code.
Both codes count as used, as if typed at a login. On success the token's failure count and
lock are cleared too ("assent user unlock" also clears the account's). Backup tokens cannot be
resynchronised. A running server uses the result at its next login.
Exits 1 with "${RESYNC_FAILED}" when no such pair is found.

Examples:
  assent token resync ASNT04718263 492039 055937
  # try it with oathtool: a TOTP clock 5 minutes fast, and an HOTP token at counter 40
  assent token resync ASNT04718263 $(oathtool --totp -b SECRET -N '+5 minutes' -w 1)
  assent token resync ASNT01234567 $(oathtool --hotp -b SECRET -c 40 -w 1)`,
    )
    .action((serial: string, code1: string, code2: string, options: { window: string }, command: Command) =>
      resyncToken(serial, [code1, code2], options, command),
    );
}
