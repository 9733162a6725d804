// Owns the closed-loop run of the TOTP flows: its extra options and their checks, on the shared slot engine.
import { MAX_PASSWORD_LENGTH } from '../radius/user-password.js';
import { AccessRequestBuilder } from './access-request-builder.js';
import { type FlowLoadResult, flowResultOf, TotpFlow } from './flow-result.js';
import { type LoadOptionsInput, prepareLoad } from './load-options.js';
import { LoadgenError, LoadgenErrorCode } from './loadgen-error.js';
import { runSlots } from './slot-engine.js';
import { TotpFlowSlots } from './totp-flow-slots.js';
import { TOTP_DIGITS, TotpKeyTable } from './totp-keys.js';

/** `runTotpFlowLoad`'s input: the single-step generator's options plus the flow and the key seed. */
export interface TotpFlowLoadInput extends LoadOptionsInput {
  readonly flow: TotpFlow;
  /** Seed of every user's TOTP key (see `deriveTotpKey`); the servers' tokens come from the same seed. */
  readonly keySeed: Uint8Array;
  /** Index of the first user (default 0), e.g. the `nextUser` of the previous run against the same server. */
  readonly firstUser?: number;
  /** Wall clock in Unix milliseconds for the TOTP step (default `Date.now`); tests pass a fake one. */
  readonly clock?: () => number;
}

/**
 * Runs a closed-loop load of second-factor logins: `window` flows in flight over `sockets` source ports.
 * `suffix`: one Access-Request whose User-Password is the password followed by the current 6-digit TOTP code
 * (expects Access-Accept). `challenge`: Access-Request with the password → Access-Challenge with State →
 * Access-Request with the same User-Name, the State echoed and the code as User-Password → Access-Accept.
 * Codes are computed when the request carrying them is sent. No user logs in twice in one 30 s step (a replay
 * guard would refuse the second); when every user has, sending stops with `users-exhausted`.
 * @returns completed flows/s, round trips/s, counts per outcome, flow latency and the generator's CPU
 * @throws LoadgenError `LOADGEN_INVALID_OPTIONS` (bad bound, non-loopback target, password too long for a
 *   code), `LOADGEN_SOCKET`
 */
export async function runTotpFlowLoad(input: TotpFlowLoadInput): Promise<FlowLoadResult> {
  const load = prepareLoad(input);
  const { options, credentials } = load;
  const invalid = (message: string) => new LoadgenError(LoadgenErrorCode.InvalidOptions, message);
  if (input.flow !== TotpFlow.Suffix && input.flow !== TotpFlow.Challenge)
    throw invalid(`flow must be suffix or challenge, got ${String(input.flow)}`);
  if (input.keySeed.length === 0) throw invalid('keySeed must not be empty');
  const firstUser = input.firstUser ?? 0;
  if (!Number.isInteger(firstUser) || firstUser < 0 || firstUser >= options.users)
    throw invalid(`firstUser must be an integer from 0 to ${options.users - 1}, got ${firstUser}`);
  for (let i = 0; i < options.users; i++) {
    // RFC 2865 §5.2: password and code together must fit in 128 octets.
    if (credentials.password(i).length + TOTP_DIGITS > MAX_PASSWORD_LENGTH)
      throw invalid(`user ${i}: password plus code over ${MAX_PASSWORD_LENGTH} octets`);
  }
  const builder = new AccessRequestBuilder(load, input.flow === TotpFlow.Challenge);
  const slots = new TotpFlowSlots(
    {
      flow: input.flow,
      credentials,
      keys: new TotpKeyTable(input.keySeed, options.users),
      slots: options.window,
      users: options.users,
      firstUser,
      clock: input.clock ?? Date.now,
    },
    builder,
  );
  const tally = await runSlots(options, slots);
  return flowResultOf(options, input.flow, tally, slots.nextUser);
}
