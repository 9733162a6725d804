// Owns making transaction ids: the 128-bit names that tie together every log line, push and reply of one login.
import { randomFillSync } from 'node:crypto';

/** Issue 13: 128 bits, so an id never repeats across nodes and restarts. */
const OCTETS = 16;

// One getrandom call per 4 KiB instead of one per request. An id is logged, never a secret, so unlike a State
// its pool bytes need no wiping.
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** A fresh transaction id: 32 lower-case hex digits from the CSPRNG. */
export function newTransactionId(): string {
  if (offset + OCTETS > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + OCTETS);
  offset += OCTETS;
  return id;
}
