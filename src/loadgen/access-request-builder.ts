// Owns the per-slot Access-Requests the generator sends and the checks on their replies, through the codec.
import { randomFillSync } from 'node:crypto';
import { AttributeType } from '../radius/attribute-type.js';
import { verifyResponseAuthenticator } from '../radius/authenticator.js';
import { Code } from '../radius/code.js';
import { type EncodableAttribute, type EncodeRequestArgs, encodeRequest } from '../radius/encode.js';
import { verifyReplyMessageAuthenticator } from '../radius/message-authenticator.js';
import { decodePacket } from '../radius/packet.js';
import { hideUserPassword } from '../radius/user-password.js';
import type { CredentialTable } from './credential-table.js';

/** What a reply turned out to be. Numbers, so the hot path compares small integers. */
export const ReplyVerdict = {
  Accept: 0,
  Reject: 1,
  Challenge: 2,
  Other: 3,
  /** Did not parse, or an authenticator did not verify: the request stays in flight. */
  Bad: 4,
} as const;
export type ReplyVerdict = (typeof ReplyVerdict)[keyof typeof ReplyVerdict];

/** Random octets are drawn in bulk: one system call per 1,024 authenticators instead of one each. */
const RANDOM_POOL_SIZE = 16 * 1024;

interface MutableAttribute {
  type: number;
  value: Uint8Array;
}

interface SlotRequest {
  readonly args: { -readonly [K in keyof EncodeRequestArgs]: EncodeRequestArgs[K] };
  readonly userName: MutableAttribute;
  readonly userPassword: MutableAttribute;
  /** The Request Authenticator of the request in flight; replies are checked against it. */
  readonly authenticator: Uint8Array;
  /** The one before, to tell a late duplicate reply from a forged one. */
  readonly previous: Uint8Array;
}

/**
 * Builds one Access-Request per slot (PAP, optional Message-Authenticator) and checks replies against the
 * request in flight. Each slot keeps its argument objects, so a request costs the codec's own allocations
 * and nothing more. Every request gets a fresh random Request Authenticator (RFC 2865 §3), so a server's
 * duplicate cache (RFC 5080 §2.2.2) never answers a new request from an old reply.
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

  constructor(options: {
    secret: Uint8Array;
    credentials: CredentialTable;
    slots: number;
    messageAuthenticator: boolean;
    requireReplyMessageAuthenticator: boolean;
  }) {
    this.#secret = options.secret;
    this.#credentials = options.credentials;
    this.#requireReplyMa = options.requireReplyMessageAuthenticator;
    this.#slots = new Array<SlotRequest>(options.slots);
    const nasIpAddress = Uint8Array.of(127, 0, 0, 1);
    for (let slot = 0; slot < options.slots; slot++) {
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
      this.#slots[slot] = {
        args: {
          code: Code.AccessRequest,
          identifier: 0,
          secret: options.secret,
          attributes,
          authenticator,
          messageAuthenticator: options.messageAuthenticator,
        },
        userName,
        userPassword,
        authenticator,
        previous: new Uint8Array(16),
      };
    }
  }

  /**
   * A new Access-Request for `user` in `slot`, with a fresh Request Authenticator.
   * @returns the packet; keep it to retransmit it unchanged
   */
  build(slot: number, identifier: number, user: number): Uint8Array {
    const s = this.#slots[slot]!;
    s.previous.set(s.authenticator);
    this.#nextAuthenticator(s.authenticator);
    s.args.identifier = identifier;
    s.userName.value = this.#credentials.userName(user);
    // RFC 2865 §5.2: the password is hidden with this request's own authenticator.
    s.userPassword.value = hideUserPassword(this.#credentials.password(user), this.#secret, s.authenticator);
    return encodeRequest(s.args);
  }

  /** Checks a reply against the request in flight in `slot` (Response Authenticator, then MA if present). */
  verify(slot: number, reply: Uint8Array): ReplyVerdict {
    const decoded = decodePacket(reply);
    if (!decoded.ok) return ReplyVerdict.Bad;
    const packet = decoded.packet;
    const authenticator = this.#slots[slot]!.authenticator;
    // RFC 2865 §3: a reply whose Response Authenticator does not verify is silently discarded.
    if (!verifyResponseAuthenticator(packet.bytes, authenticator, this.#secret)) return ReplyVerdict.Bad;
    if (packet.messageAuthenticatorOffset >= 0) {
      // RFC 3579 §3.2: a reply's MA is keyed over the packet holding the request's authenticator.
      if (!verifyReplyMessageAuthenticator(packet, authenticator, this.#secret)) return ReplyVerdict.Bad;
      this.repliesWithMessageAuthenticator++;
    } else if (this.#requireReplyMa) {
      return ReplyVerdict.Bad;
    }
    switch (packet.code) {
      case Code.AccessAccept:
        return ReplyVerdict.Accept;
      case Code.AccessReject:
        return ReplyVerdict.Reject;
      case Code.AccessChallenge:
        return ReplyVerdict.Challenge;
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
