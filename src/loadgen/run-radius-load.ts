// Owns the PAP run: one Access-Request per slot unit, users taken in turn, on the shared slot engine.
import { AccessRequestBuilder, ReplyVerdict } from './access-request-builder.js';
import { type LoadOptionsInput, prepareLoad } from './load-options.js';
import { type LoadResult, loadResultOf } from './load-result.js';
import { runSlots } from './slot-engine.js';
import type { SlotStrategy } from './slot-strategy.js';

/**
 * Runs a closed-loop RADIUS load: `window` Access-Requests stay in flight over `sockets` source ports, each
 * answered request immediately makes room for the next, users are taken in turn. Every reply is verified
 * (Response Authenticator, and Message-Authenticator when present); a forged or corrupted reply never
 * completes a request. The run is bounded by `warmupSeconds + durationSeconds` and by `maxRequests`.
 * @param input - target (loopback only), secret, users and load shape; see `LoadOptionsInput`
 * @returns counts, rate, latency percentiles and the generator's own CPU use over the measured interval
 * @throws LoadgenError `LOADGEN_INVALID_OPTIONS` (bad bound, non-loopback target), `LOADGEN_SOCKET`
 */
export async function runRadiusLoad(input: LoadOptionsInput): Promise<LoadResult> {
  const load = prepareLoad(input);
  const builder = new AccessRequestBuilder(load, false);
  const tally = await runSlots<never>(load.options, new PapSlots(builder, load.options.users));
  return loadResultOf(load.options, tally, builder.repliesWithMessageAuthenticator);
}

/**
 * One Access-Request per unit; a verified reply ends it with its verdict (accept, reject, challenge,
 * other), all of them timed. Thin on purpose: it sits on the per-reply path of the fastest run.
 */
class PapSlots implements SlotStrategy {
  readonly outcomeKinds = ReplyVerdict.Other + 1;
  readonly timedOutcomes = ReplyVerdict.Other + 1;
  readonly #builder: AccessRequestBuilder;
  readonly #users: number;
  #nextUser = 0;

  constructor(builder: AccessRequestBuilder, users: number) {
    this.#builder = builder;
    this.#users = users;
  }

  begin(slot: number, identifier: number): Uint8Array {
    const user = this.#nextUser;
    this.#nextUser = user + 1 === this.#users ? 0 : user + 1;
    return this.#builder.build(slot, identifier, user);
  }

  verify(slot: number, reply: Uint8Array): number {
    // A verdict is the outcome as it is, and ReplyVerdict.Bad is SlotStep.Bad.
    return this.#builder.verify(slot, reply);
  }

  answersPrevious(slot: number, reply: Uint8Array): boolean {
    return this.#builder.answersPrevious(slot, reply);
  }

  follow(): Uint8Array {
    throw new Error('a PAP unit is one request: verify never returns SlotStep.Next');
  }
}
