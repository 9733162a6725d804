// Owns what a slot of a TOTP flow run carries: its phase and user, and one login per user and 30 s step.
import { MAX_PASSWORD_LENGTH } from '../radius/user-password.js';
import { type AccessRequestBuilder, ReplyVerdict } from './access-request-builder.js';
import type { CredentialTable } from './credential-table.js';
import { FlowOutcome, TotpFlow } from './flow-result.js';
import { SlotStep, type SlotStrategy } from './slot-strategy.js';
import { type TotpKeyTable, totpStepAt } from './totp-keys.js';

const Phase = { Password: 1, Code: 2 } as const;

/** What the flow slots need besides the request builder. */
export interface TotpFlowSlotsOptions {
  readonly flow: TotpFlow;
  readonly credentials: CredentialTable;
  readonly keys: TotpKeyTable;
  readonly slots: number;
  readonly users: number;
  readonly firstUser: number;
  /** Wall clock in Unix milliseconds, for the TOTP step. */
  readonly clock: () => number;
}

/**
 * One flow per unit. `suffix`: one request with User-Password = password ‖ code, completed by an Accept.
 * `challenge`: the password → Access-Challenge → State echoed with the code → Accept. Per-slot state lives
 * in typed arrays indexed by slot: no object or closure per flow.
 */
export class TotpFlowSlots implements SlotStrategy<'users-exhausted'> {
  readonly outcomeKinds = FlowOutcome.Unexpected + 1;
  /** Only completed flows are timed. */
  readonly timedOutcomes = FlowOutcome.Completed + 1;
  readonly #o: TotpFlowSlotsOptions;
  readonly #builder: AccessRequestBuilder;
  readonly #phase: Uint8Array;
  readonly #user: Int32Array;
  /** docs/security.md A6.4 on the server side: the last step whose code each user sent; −1 before the first. */
  readonly #lastStep: Float64Array;
  /** Clear User-Password being assembled; hidden into a new array at once, so one serves every slot. */
  readonly #clear = new Uint8Array(MAX_PASSWORD_LENGTH);
  #nextUser: number;

  constructor(options: TotpFlowSlotsOptions, builder: AccessRequestBuilder) {
    this.#o = options;
    this.#builder = builder;
    this.#phase = new Uint8Array(options.slots);
    this.#user = new Int32Array(options.slots);
    this.#lastStep = new Float64Array(options.users).fill(-1);
    this.#nextUser = options.firstUser;
  }

  /** The user the next flow would take. */
  get nextUser(): number {
    return this.#nextUser;
  }

  begin(slot: number, identifier: number): Uint8Array | 'users-exhausted' {
    const step = totpStepAt(this.#o.clock());
    const user = this.#nextUser;
    // The cursor goes round in order, so when the next user already logged in during this step, all have.
    if (this.#lastStep[user]! >= step) return 'users-exhausted';
    this.#nextUser = user + 1 === this.#o.users ? 0 : user + 1;
    this.#lastStep[user] = step;
    this.#user[slot] = user;
    if (this.#o.flow === TotpFlow.Challenge) {
      this.#phase[slot] = Phase.Password;
      return this.#builder.build(slot, identifier, user);
    }
    this.#phase[slot] = Phase.Code;
    const password = this.#o.credentials.password(user);
    this.#clear.set(password);
    return this.#encodeCode(slot, identifier, user, password.length, false);
  }

  verify(slot: number, reply: Uint8Array): number {
    const verdict = this.#builder.verify(slot, reply);
    if (verdict === ReplyVerdict.Bad) return SlotStep.Bad;
    const phase = this.#phase[slot];
    if (phase === Phase.Password && verdict === ReplyVerdict.Challenge) return SlotStep.Next;
    if (phase === Phase.Code && verdict === ReplyVerdict.Accept) return FlowOutcome.Completed;
    if (verdict === ReplyVerdict.Reject) {
      return phase === Phase.Password || this.#o.flow === TotpFlow.Suffix
        ? FlowOutcome.RejectedPassword
        : FlowOutcome.RejectedCode;
    }
    // A server may answer a wrong or replayed code with a new Access-Challenge (another try): refused all the same.
    if (verdict === ReplyVerdict.Challenge && this.#o.flow === TotpFlow.Challenge)
      return FlowOutcome.RejectedCode;
    return FlowOutcome.Unexpected;
  }

  answersPrevious(slot: number, reply: Uint8Array): boolean {
    return this.#builder.answersPrevious(slot, reply);
  }

  follow(slot: number, identifier: number): Uint8Array {
    // RFC 2865 §5.24: the same User-Name and the State go back with the code.
    this.#phase[slot] = Phase.Code;
    return this.#encodeCode(slot, identifier, this.#user[slot]!, 0, true);
  }

  /**
   * A request whose User-Password is the clear buffer's first `offset` octets followed by the user's code for
   * the step of this moment. The code is computed at send time and remembered, so the user is not taken again
   * in that step (RFC 2865 §5.2: password and code fit in 128 octets, checked before the run).
   */
  #encodeCode(
    slot: number,
    identifier: number,
    user: number,
    offset: number,
    withState: boolean,
  ): Uint8Array {
    const step = totpStepAt(this.#o.clock());
    this.#lastStep[user] = step;
    const code = this.#o.keys.code(user, step);
    for (let i = 0; i < code.length; i++) this.#clear[offset + i] = code.charCodeAt(i);
    const password = this.#clear.subarray(0, offset + code.length);
    return this.#builder.encode(slot, identifier, user, password, withState);
  }
}
