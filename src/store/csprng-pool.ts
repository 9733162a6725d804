// Owns drawing small random values (challenge States) from a pooled CSPRNG buffer.
import { randomFillSync } from 'node:crypto';

/**
 * One getrandom call per 4 KiB instead of one per State: `randomBytes(16)` per login showed as 2–3 % of a busy
 * node's CPU (a native call and a Buffer each). Bytes handed out are wiped from the pool at once, so no State can
 * be read back from it later.
 */
export class CsprngPool {
  readonly #pool: Buffer;
  #offset: number;

  constructor(size = 4096) {
    this.#pool = Buffer.alloc(size);
    this.#offset = size;
  }

  /** `octets` fresh random bytes (at most the pool's size), in an array of their own. */
  bytes(octets: number): Uint8Array {
    if (this.#offset + octets > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const offset = this.#offset;
    this.#offset += octets;
    const out = new Uint8Array(octets);
    out.set(this.#pool.subarray(offset, offset + octets));
    this.#pool.fill(0, offset, offset + octets);
    return out;
  }
}
