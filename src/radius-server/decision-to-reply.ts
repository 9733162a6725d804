// Owns the one table that turns a Decision into a RADIUS reply code and attributes (ARCHITECTURE §4).
import { DECISION_REPLIES, type Decision, type ReplyAttribute } from '../domain/decision.js';
import { AttributeType } from '../radius/attribute-type.js';
import type { Code } from '../radius/code.js';
import type { Dictionary } from '../radius/dictionary.js';
import type { EncodableAttribute } from '../radius/encode.js';
import { encodeNamedAttributes } from '../radius/reply-attributes.js';

/** Decision kind → RADIUS code. `pending` and `drop` send nothing (yet). */
export const replyCodeFor = {
  accept: DECISION_REPLIES.accept.radius,
  reject: DECISION_REPLIES.reject.radius,
  challenge: DECISION_REPLIES.challenge.radius,
  pending: DECISION_REPLIES.pending.radius,
  drop: DECISION_REPLIES.drop.radius,
} as const satisfies Record<Decision['kind'], Code | undefined>;

const textEncoder = new TextEncoder();
const MAX_VALUE = 253;

/**
 * RFC 2865 §5.18: Reply-Message text longer than one attribute is split over several, in order ("if any are
 * displayed, they MUST be displayed in the same order"). Cuts fall between UTF-8 characters, never inside one, so
 * each attribute is valid text on its own.
 */
export function replyMessages(text: string): EncodableAttribute[] {
  const bytes = textEncoder.encode(text);
  const out: EncodableAttribute[] = [];
  for (let i = 0; i < bytes.length; ) {
    let end = Math.min(i + MAX_VALUE, bytes.length);
    // 10xxxxxx is a continuation octet: step back to the first octet of its character.
    while (end < bytes.length && end > i && (bytes[end]! & 0xc0) === 0x80) end--;
    out.push({ type: AttributeType.ReplyMessage, value: bytes.subarray(i, end) });
    i = end;
  }
  return out;
}

// Replies are built for every request, from a handful of distinct texts and attribute lists: encode each once.
// The caller appends to the array it gets (Proxy-State, EAP-Failure), so it always gets a fresh copy.
const MEMO_LIMIT = 256;
const encodedTexts = new Map<string, readonly EncodableAttribute[]>();
const encodedTimeouts = new Map<number, Uint8Array>();
const encodedAccepts = new WeakMap<Dictionary, WeakMap<readonly ReplyAttribute[], ReplyAttributesResult>>();

function memoised<K, V>(memo: Map<K, V>, key: K, make: (key: K) => V): V {
  let value = memo.get(key);
  if (value === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    value = make(key);
    memo.set(key, value);
  }
  return value;
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
        ...memoised(encodedTexts, decision.text, replyMessages),
      ];
      if (decision.timeoutSeconds !== undefined) {
        const value = memoised(encodedTimeouts, decision.timeoutSeconds, uint32);
        attributes.push({ type: AttributeType.SessionTimeout, value });
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
  let memo = encodedAccepts.get(dictionary);
  if (memo === undefined) {
    memo = new WeakMap();
    encodedAccepts.set(dictionary, memo);
  }
  let result = memo.get(attributes);
  if (result === undefined) {
    const encoded = encodeNamedAttributes(dictionary, attributes);
    result = encoded.ok ? { ok: true, attributes: encoded.attributes } : { ok: false, error: encoded.error };
    memo.set(attributes, result);
  }
  return result.ok ? { ok: true, attributes: [...result.attributes] } : result;
}
