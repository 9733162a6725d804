// Owns the per-slot Access-Requests every load run sends and the checks on their replies, through the codec.
import { randomFillSync } from 'node:crypto';
import { AttributeType } from '../radius/attribute-type.js';
import { verifyResponseAuthenticator } from '../radius/authenticator.js';
import { Code } from '../radius/code.js';
import { type EncodableAttribute, type EncodeRequestArgs, encodeRequest } from '../radius/encode.js';
import { verifyReplyMessageAuthenticator } from '../radius/message-authenticator.js';
import { decodePacket, findAttribute } from '../radius/packet.js';
import { hideUserPassword } from '../radius/user-password.js';
import type { CredentialTable } from './credential-table.js';
import type { PreparedLoad } from './load-options.js';

/** What a reply turned out to be. Numbers, so the hot path compares small integers. */
export const ReplyVerdict = {
  Accept: 0,
  Reject: 1,
  Challenge: 2,
  Other: 3,
  /** Did not parse, or an authenticator did not verify: the request stays in flight. Negative, so the
   * other verdicts can index counts and a strategy can pass a verdict on as its outcome unchanged. */
  Bad: -1,
} as const;
export type ReplyVerdict = (typeof ReplyVerdict)[keyof typeof ReplyVerdict];

/** Random octets are drawn in bulk: one system call per 1,024 authenticators instead of one each. */
const RANDOM_POOL_SIZE = 16 * 1024;
/** RFC 2865 §5.24: State is 1–253 octets. */
const MAX_STATE = 253;

type MutableArgs = { -readonly [K in keyof EncodeRequestArgs]: EncodeRequestArgs[K] };

interface MutableAttribute {
  type: number;
  value: Uint8Array;
}

/** The State of a slot's last Access-Challenge and the request that echoes it. */
interface SlotState {
  /** The same attributes as the slot's plain request, plus State. */
  readonly args: MutableArgs;
  readonly attribute: MutableAttribute;
  /** A copy: the reply buffer is not ours to keep. */
  readonly buffer: Uint8Array;
  length: number;
}

interface SlotRequest {
  readonly args: MutableArgs;
  readonly userName: MutableAttribute;
  readonly userPassword: MutableAttribute;
  /** The Request Authenticator of the request in flight; replies are checked against it. */
  readonly authenticator: Uint8Array;
  /** The one before, to tell a late duplicate reply from a forged one. */
  readonly previous: Uint8Array;
  /** Only when the builder keeps State (challenge flows). */
  readonly state: SlotState | undefined;
}

/**
 * Builds one Access-Request per slot (PAP, optional Message-Authenticator) and checks replies against the
 * request in flight. Each slot keeps its argument objects, so a request costs the codec's own allocations
 * and nothing more. Every request gets a fresh random Request Authenticator (RFC 2865 §3), so a server's
 * duplicate cache (RFC 5080 §2.2.2) never answers a new request from an old reply. With `keepState`, the
 * State of an Access-Challenge is kept per slot for `encode(…, withState)` to echo (RFC 2865 §5.24).
 */
export class AccessRequestBuilder {
  readonly #secret: Uint8Array;
  readonly #credentials: CredentialTable;
  readonly #requireReplyMa: boolean;
  readonly #slots: SlotRequest[];
  readonly #random = Buffer.allocUnsafe(RANDOM_POOL_SIZE);
  #randomOffset = RANDOM_POOL_SIZE;
  /** Verified replies that carried a Message-Authenticator. */
  repliesWithMessageAuthenticator = 0;

  /**
   * @param load - the run's options (secret, window, Message-Authenticator rules) and its users
   * @param keepState - keep each slot's last Access-Challenge State, for requests that echo it
   */
  constructor(load: PreparedLoad, keepState: boolean) {
    const options = load.options;
    this.#secret = options.secret;
    this.#credentials = load.credentials;
    this.#requireReplyMa = options.requireReplyMessageAuthenticator;
    this.#slots = new Array<SlotRequest>(options.window);
    const nasIpAddress = Uint8Array.of(127, 0, 0, 1);
    for (let slot = 0; slot < options.window; slot++) {
      const userName: MutableAttribute = { type: AttributeType.UserName, value: new Uint8Array(0) };
      const userPassword: MutableAttribute = { type: AttributeType.UserPassword, value: new Uint8Array(0) };
      const nasPort = new Uint8Array(4);
      new DataView(nasPort.buffer).setUint32(0, slot);
      // RFC 2865 §4.1: an Access-Request should carry NAS-IP-Address or NAS-Identifier.
      const attributes: EncodableAttribute[] = [
        userName,
        userPassword,
        { type: AttributeType.NasIpAddress, value: nasIpAddress },
        { type: AttributeType.NasPort, value: nasPort },
      ];
      const authenticator = new Uint8Array(16);
      const args = (list: EncodableAttribute[]): MutableArgs => ({
        code: Code.AccessRequest,
        identifier: 0,
        secret: options.secret,
        attributes: list,
        authenticator,
        messageAuthenticator: options.messageAuthenticator,
      });
      const state: MutableAttribute = { type: AttributeType.State, value: new Uint8Array(0) };
      this.#slots[slot] = {
        args: args(attributes),
        userName,
        userPassword,
        authenticator,
        previous: new Uint8Array(16),
        state: keepState
          ? {
              args: args([...attributes, state]),
              attribute: state,
              buffer: new Uint8Array(MAX_STATE),
              length: 0,
            }
          : undefined,
      };
    }
  }

  /**
   * A new Access-Request for `user` in `slot` with the user's own password, and a fresh Request Authenticator.
   * @returns the packet; keep it to retransmit it unchanged
   */
  build(slot: number, identifier: number, user: number): Uint8Array {
    return this.encode(slot, identifier, user, this.#credentials.password(user), false);
  }

  /**
   * A new Access-Request for `user` in `slot` whose User-Password is `password` (at most 128 octets), with the
   * State of the slot's last Access-Challenge when `withState` (the builder must keep State).
   * @returns the packet; keep it to retransmit it unchanged
   */
  encode(
    slot: number,
    identifier: number,
    user: number,
    password: Uint8Array,
    withState: boolean,
  ): Uint8Array {
    const s = this.#slots[slot]!;
    s.previous.set(s.authenticator);
    this.#nextAuthenticator(s.authenticator);
    let args = s.args;
    if (withState) {
      // RFC 2865 §5.24: the State goes back unmodified.
      const state = s.state!;
      state.attribute.value = state.buffer.subarray(0, state.length);
      args = state.args;
    }
    args.identifier = identifier;
    s.userName.value = this.#credentials.userName(user);
    // RFC 2865 §5.2: the password is hidden with this request's own authenticator.
    s.userPassword.value = hideUserPassword(password, this.#secret, s.authenticator);
    return encodeRequest(args);
  }

  /**
   * Checks a reply against the request in flight in `slot` (Response Authenticator, then MA if present).
   * When State is kept, an Access-Challenge without a State of 1–253 octets counts as Other: no flow can go on.
   */
  verify(slot: number, reply: Uint8Array): ReplyVerdict {
    const decoded = decodePacket(reply);
    if (!decoded.ok) return ReplyVerdict.Bad;
    const packet = decoded.packet;
    const s = this.#slots[slot]!;
    // RFC 2865 §3: a reply whose Response Authenticator does not verify is silently discarded.
    if (!verifyResponseAuthenticator(packet.bytes, s.authenticator, this.#secret)) return ReplyVerdict.Bad;
    if (packet.messageAuthenticatorOffset >= 0) {
      // RFC 3579 §3.2: a reply's MA is keyed over the packet holding the request's authenticator.
      if (!verifyReplyMessageAuthenticator(packet, s.authenticator, this.#secret)) return ReplyVerdict.Bad;
      this.repliesWithMessageAuthenticator++;
    } else if (this.#requireReplyMa) {
      return ReplyVerdict.Bad;
    }
    switch (packet.code) {
      case Code.AccessAccept:
        return ReplyVerdict.Accept;
      case Code.AccessReject:
        return ReplyVerdict.Reject;
      case Code.AccessChallenge: {
        if (s.state === undefined) return ReplyVerdict.Challenge;
        // RFC 2865 §5.24: the client must send the State back unmodified in its next request.
        const state = findAttribute(packet, AttributeType.State);
        if (state === undefined || state.value.length === 0) return ReplyVerdict.Other;
        s.state.buffer.set(state.value);
        s.state.length = state.value.length;
        return ReplyVerdict.Challenge;
      }
      default:
        return ReplyVerdict.Other;
    }
  }

  /** Whether a reply that failed `verify` is a valid reply to the slot's previous request (a late duplicate). */
  answersPrevious(slot: number, reply: Uint8Array): boolean {
    return verifyResponseAuthenticator(reply, this.#slots[slot]!.previous, this.#secret);
  }

  #nextAuthenticator(into: Uint8Array): void {
    if (this.#randomOffset === RANDOM_POOL_SIZE) {
      randomFillSync(this.#random);
      this.#randomOffset = 0;
    }
    this.#random.copy(into, 0, this.#randomOffset, this.#randomOffset + 16);
    this.#randomOffset += 16;
  }
}
