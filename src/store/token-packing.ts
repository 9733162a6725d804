// Owns packing the cached tokens for memory: seeds in shared buffers, repeated text kept once, keys prepared.
import { hasSha1Key, packSha1Keys } from '../domain/token.js';
import type { MutableToken } from './token-cache.js';

/**
 * Memory of the index: each unsealed seed came in its own ArrayBuffer (about 200 bytes of bookkeeping for 20 bytes
 * of key, and work for every garbage collection); they move into shared buffers, each token keeping a view. Text
 * that repeats across rows (type, algorithm, label, the import's time stamp) is kept once. HMAC-SHA-1 keys are
 * packed with their pad states beside them (otp/hmac-sha1.ts), so a first login does no key set-up.
 */
export function packForIndex(tokens: Iterable<MutableToken>): void {
  const all = [...tokens];
  const text = new Map<string, string>();
  const once = (value: string): string => {
    const known = text.get(value);
    if (known !== undefined) return known;
    text.set(value, value);
    return value;
  };
  const sha1: MutableToken[] = [];
  let otherOctets = 0;
  for (const token of all) {
    if (hasSha1Key(token)) sha1.push(token);
    else otherOctets += token.secret.length;
    token.type = once(token.type) as MutableToken['type'];
    token.algorithm = once(token.algorithm) as MutableToken['algorithm'];
    token.label = once(token.label);
    token.createdAt = once(token.createdAt);
  }
  const packed = packSha1Keys(sha1);
  for (let i = 0; i < sha1.length; i++) sha1[i]!.secret = packed[i]!;
  const slab = new Uint8Array(otherOctets);
  let offset = 0;
  for (const token of all) {
    if (hasSha1Key(token)) continue;
    const length = token.secret.length;
    slab.set(token.secret, offset);
    token.secret = slab.subarray(offset, offset + length);
    offset += length;
  }
}
