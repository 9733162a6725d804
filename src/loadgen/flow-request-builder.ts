// Owns the Access-Requests of the second-factor flows (password ‖ code, or State + code) and their replies.
import { randomFillSync } from 'node:crypto';
import { AttributeType } from '../radius/attribute-type.js';
import { verifyResponseAuthenticator } from '../radius/authenticator.js';
import { Code } from '../radius/code.js';
import { type EncodableAttribute, type EncodeRequestArgs, encodeRequest } from '../radius/encode.js';
import { verifyReplyMessageAuthenticator } from '../radius/message-authenticator.js';
import { decodePacket, findAttribute } from '../radius/packet.js';
import { hideUserPassword, MAX_PASSWORD_LENGTH } from '../radius/user-password.js';
import { ReplyVerdict } from './access-request-builder.js';
import type { CredentialTable } from './credential-table.js';

/** One system call per 1,024 Request Authenticators. */
const RANDOM_POOL_SIZE = 16 * 1024;
/** RFC 2865 §5.24: State is 1–253 octets. */
const MAX_STATE = 253;

interface MutableAttribute {
  type: number;
  value: Uint8Array;
}

interface FlowSlot {
  /** Without State (first request, or the one-request suffix flow). */
  readonly first: { -readonly [K in keyof EncodeRequestArgs]: EncodeRequestArgs[K] };
  /** The same attributes plus State (the code request of the challenge flow). */
  readonly second: { -readonly [K in keyof EncodeRequestArgs]: EncodeRequestArgs[K] };
  readonly userName: MutableAttribute;
  readonly userPassword: MutableAttribute;
  readonly state: MutableAttribute;
  readonly authenticator: Uint8Array;
  /** The one before, to tell a late duplicate reply from a forged one. */
  readonly previous: Uint8Array;
  /** Clear User-Password being assembled: password, then code digits. */
  readonly clear: Uint8Array;
  /** The State of the last Access-Challenge (a copy: the reply buffer is not ours to keep). */
  readonly stateBuffer: Uint8Array;
  stateLength: number;
}

/**
 * Builds, per slot, the requests of the TOTP flows and checks replies against the request in flight:
 * `password(user)` followed by the code's ASCII digits (suffix), or the code alone with the State of the
 * Access-Challenge echoed (RFC 2865 §5.24). Every request has a fresh random Request Authenticator.
 */
export class FlowRequestBuilder {
  readonly #secret: Uint8Array;
  readonly #credentials: CredentialTable;
  readonly #slots: FlowSlot[];
  readonly #random = Buffer.allocUnsafe(RANDOM_POOL_SIZE);
  #randomOffset = RANDOM_POOL_SIZE;

  constructor(options: {
    secret: Uint8Array;
    credentials: CredentialTable;
    slots: number;
    messageAuthenticator: boolean;
  }) {
    this.#secret = options.secret;
    this.#credentials = options.credentials;
    this.#slots = new Array<FlowSlot>(options.slots);
    const nasIpAddress = Uint8Array.of(127, 0, 0, 1);
    for (let slot = 0; slot < options.slots; slot++) {
      const userName: MutableAttribute = { type: AttributeType.UserName, value: new Uint8Array(0) };
      const userPassword: MutableAttribute = { type: AttributeType.UserPassword, value: new Uint8Array(0) };
      const state: MutableAttribute = { type: AttributeType.State, value: new Uint8Array(0) };
      const nasPort = new Uint8Array(4);
      new DataView(nasPort.buffer).setUint32(0, slot);
      // RFC 2865 §4.1: an Access-Request should carry NAS-IP-Address or NAS-Identifier.
      const common: EncodableAttribute[] = [
        userName,
        userPassword,
        { type: AttributeType.NasIpAddress, value: nasIpAddress },
        { type: AttributeType.NasPort, value: nasPort },
      ];
      const authenticator = new Uint8Array(16);
      const base = {
        code: Code.AccessRequest,
        identifier: 0,
        secret: options.secret,
        authenticator,
        messageAuthenticator: options.messageAuthenticator,
      };
      this.#slots[slot] = {
        first: { ...base, attributes: common },
        second: { ...base, attributes: [...common, state] },
        userName,
        userPassword,
        state,
        authenticator,
        previous: new Uint8Array(16),
        clear: new Uint8Array(MAX_PASSWORD_LENGTH),
        stateBuffer: new Uint8Array(MAX_STATE),
        stateLength: 0,
      };
    }
  }

  /**
   * An Access-Request for `user` whose User-Password is the user's password followed by `code` (which may be
   * empty: the first request of the challenge flow).
   * @returns the packet; keep it to retransmit it unchanged
   */
  buildPassword(slot: number, identifier: number, user: number, code: string): Uint8Array {
    const s = this.#slots[slot]!;
    const password = this.#credentials.password(user);
    s.clear.set(password);
    const length = password.length + writeAscii(s.clear, password.length, code);
    return this.#encode(s, s.first, identifier, user, length);
  }

  /** The code request of the challenge flow: User-Password = `code`, State = the slot's last challenge's. */
  buildCode(slot: number, identifier: number, user: number, code: string): Uint8Array {
    const s = this.#slots[slot]!;
    s.state.value = s.stateBuffer.subarray(0, s.stateLength);
    return this.#encode(s, s.second, identifier, user, writeAscii(s.clear, 0, code));
  }

  /**
   * Checks a reply against the request in flight in `slot` (Response Authenticator, then MA if present).
   * An Access-Challenge without exactly one State of 1–253 octets counts as Other: the flow cannot go on.
   */
  verify(slot: number, reply: Uint8Array): ReplyVerdict {
    const decoded = decodePacket(reply);
    if (!decoded.ok) return ReplyVerdict.Bad;
    const packet = decoded.packet;
    const s = this.#slots[slot]!;
    // RFC 2865 §3: a reply whose Response Authenticator does not verify is silently discarded.
    if (!verifyResponseAuthenticator(packet.bytes, s.authenticator, this.#secret)) return ReplyVerdict.Bad;
    // RFC 3579 §3.2: a reply's MA is keyed over the packet holding the request's authenticator.
    if (
      packet.messageAuthenticatorOffset >= 0 &&
      !verifyReplyMessageAuthenticator(packet, s.authenticator, this.#secret)
    ) {
      return ReplyVerdict.Bad;
    }
    switch (packet.code) {
      case Code.AccessAccept:
        return ReplyVerdict.Accept;
      case Code.AccessReject:
        return ReplyVerdict.Reject;
      case Code.AccessChallenge: {
        // RFC 2865 §5.24: the client must send the State back unmodified in its next request.
        const state = findAttribute(packet, AttributeType.State);
        if (state === undefined || state.value.length === 0) return ReplyVerdict.Other;
        s.stateBuffer.set(state.value);
        s.stateLength = state.value.length;
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

  #encode(
    s: FlowSlot,
    args: FlowSlot['first'],
    identifier: number,
    user: number,
    passwordLength: number,
  ): Uint8Array {
    s.previous.set(s.authenticator);
    this.#nextAuthenticator(s.authenticator);
    args.identifier = identifier;
    s.userName.value = this.#credentials.userName(user);
    // RFC 2865 §5.2: the password is hidden with this request's own authenticator.
    s.userPassword.value = hideUserPassword(
      s.clear.subarray(0, passwordLength),
      this.#secret,
      s.authenticator,
    );
    return encodeRequest(args);
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

/** Writes the ASCII digits of `text` at `offset`; returns how many octets were written. */
function writeAscii(into: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) into[offset + i] = text.charCodeAt(i);
  return text.length;
}
