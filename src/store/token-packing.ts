// Owns packing the cached tokens for memory: seeds in one shared buffer, repeated text kept once, keys prepared.
import { prepareCodeKeys } from '../domain/token.js';
import type { MutableToken } from './token-cache.js';

/**
 * Memory of the index: each unsealed seed came in its own ArrayBuffer (about 200 bytes of bookkeeping for 20 bytes
 * of key, and work for every garbage collection); they move into one shared buffer, each token keeping a view. Text
 * that repeats across rows (type, algorithm, label, the import's time stamp) is kept once. HMAC-SHA-1 keys get
 * their pad states here too (otp/hmac-sha1.ts), so a first login does no key set-up.
 */
export function packForIndex(tokens: Iterable<MutableToken>): void {
  const all = [...tokens];
  let bytes = 0;
  for (const token of all) bytes += token.secret.length;
  const slab = new Uint8Array(bytes);
  const text = new Map<string, string>();
  const once = (value: string): string => {
    const known = text.get(value);
    if (known !== undefined) return known;
    text.set(value, value);
    return value;
  };
  let offset = 0;
  for (const token of all) {
    const length = token.secret.length;
    slab.set(token.secret, offset);
    token.secret = slab.subarray(offset, offset + length);
    offset += length;
    token.type = once(token.type) as MutableToken['type'];
    token.algorithm = once(token.algorithm) as MutableToken['algorithm'];
    token.label = once(token.label);
    token.createdAt = once(token.createdAt);
  }
  prepareCodeKeys(all);
}
