// Owns the contract between the slot engine and what one slot carries (a PAP request, a TOTP flow).
import { ReplyVerdict } from './access-request-builder.js';

/** What `SlotStrategy.verify` may return instead of an outcome (outcomes are 0 or more). */
export const SlotStep = {
  /** The reply did not verify against the request in flight: that request stays in flight. */
  Bad: ReplyVerdict.Bad,
  /** The reply verified and the unit goes on: the engine sends `follow(slot, …)` in the same slot. */
  Next: -2,
} as const;

/**
 * What a slot carries from its first request to the reply that ends it: one unit (a request, a flow).
 * The engine calls it for every request and reply, so an implementation keeps per-slot state in typed
 * arrays indexed by slot and allocates nothing beyond the packets; one strategy class per process keeps
 * every call site monomorphic. `Exhausted` is the stop reason `begin` returns when no unit may start now.
 */
export interface SlotStrategy<Exhausted extends string = never> {
  /** How many outcomes a verified reply can end a unit with: 0 … outcomeKinds - 1. */
  readonly outcomeKinds: number;
  /** Outcomes below this count as served: their latency (first send to the ending reply) is recorded. */
  readonly timedOutcomes: number;
  /**
   * Starts a unit in `slot`, whose requests carry `identifier`.
   * @returns its first packet, or why no unit may start now (the engine then stops sending)
   */
  begin(slot: number, identifier: number): Uint8Array | Exhausted;
  /** Checks a reply for `slot`: an outcome that ends the unit, `SlotStep.Next` or `SlotStep.Bad`. */
  verify(slot: number, reply: Uint8Array): number;
  /** Whether a reply that failed `verify` answers the slot's previous request (a late duplicate, not forged). */
  answersPrevious(slot: number, reply: Uint8Array): boolean;
  /** The unit's next request, after `verify` returned `SlotStep.Next` for `slot`. */
  follow(slot: number, identifier: number): Uint8Array;
}
