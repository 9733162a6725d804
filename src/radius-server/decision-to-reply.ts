// Owns the one table that turns a Decision into a RADIUS reply code and attributes (ARCHITECTURE §4).
import type { Decision, ReplyAttribute } from '../domain/decision.js';
import { AttributeType } from '../radius/attribute-type.js';
import { Code } from '../radius/code.js';
import type { Dictionary } from '../radius/dictionary.js';
import type { EncodableAttribute } from '../radius/encode.js';
import { encodeNamedAttributes } from '../radius/reply-attributes.js';

/** Decision kind → RADIUS code. `pending` and `drop` send nothing (yet). */
export const replyCodeFor = {
  accept: Code.AccessAccept,
  reject: Code.AccessReject,
  challenge: Code.AccessChallenge,
  pending: undefined,
  drop: undefined,
} as const satisfies Record<Decision['kind'], number | undefined>;

const textEncoder = new TextEncoder();
const MAX_VALUE = 253;

/** RFC 2865 §5.18: Reply-Message text longer than one attribute is split over several, in order. */
export function replyMessages(text: string): EncodableAttribute[] {
  const bytes = textEncoder.encode(text);
  const out: EncodableAttribute[] = [];
  for (let i = 0; i < bytes.length; i += MAX_VALUE) {
    out.push({ type: AttributeType.ReplyMessage, value: bytes.subarray(i, i + MAX_VALUE) });
  }
  return out;
}

export type ReplyAttributesResult =
  | { ok: true; attributes: EncodableAttribute[] }
  | { ok: false; error: string };

/**
 * The attributes a decision puts in the reply (Message-Authenticator is added by the encoder, first).
 * Unknown attribute names or bad values in an accept are a configuration error the caller logs.
 */
export function replyAttributesFor(decision: Decision, dictionary: Dictionary): ReplyAttributesResult {
  switch (decision.kind) {
    case 'accept':
      return encodeAccept(decision.attributes, dictionary);
    case 'challenge': {
      // RFC 2865 §5.24: the State the NAS must echo in its answer; §5.27: Session-Timeout in a Challenge is
      // how long the NAS may wait for the user's answer.
      const attributes: EncodableAttribute[] = [
        { type: AttributeType.State, value: decision.state },
        ...replyMessages(decision.text),
      ];
      if (decision.timeoutSeconds !== undefined) {
        attributes.push({ type: AttributeType.SessionTimeout, value: uint32(decision.timeoutSeconds) });
      }
      return { ok: true, attributes };
    }
    default:
      return { ok: true, attributes: [] };
  }
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function encodeAccept(attributes: readonly ReplyAttribute[], dictionary: Dictionary): ReplyAttributesResult {
  if (attributes.length === 0) return { ok: true, attributes: [] };
  const encoded = encodeNamedAttributes(dictionary, attributes);
  return encoded.ok ? encoded : { ok: false, error: encoded.error };
}
