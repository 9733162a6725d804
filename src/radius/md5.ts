// Owns MD5 and HMAC-MD5 (RFC 1321, RFC 2104) for the RADIUS codec, computed in JavaScript without allocation.
// Why not node:crypto: every createHash/createHmac call pays an OpenSSL 3 fetch and object setup of 2–4 µs,
// while a RADIUS packet is 1–3 MD5 blocks (~0.2 µs each here). Five such calls per request were a third of the
// server's CPU time. node:crypto remains the oracle in the tests (test/radius/md5.test.ts).
import { md5Compress } from './md5-compress.js';

const INIT = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);

/**
 * A reusable MD5 computation. One instance per module is enough: everything here is synchronous, so no two
 * computations interleave. `reset`/`restore` start one; `update` any number of times; `digestInto` ends it.
 */
export class Md5 {
  private readonly state = new Int32Array(4);
  private readonly buffer = new Uint8Array(64);
  private buffered = 0;
  private length = 0;

  reset(): this {
    this.state.set(INIT);
    this.buffered = 0;
    this.length = 0;
    return this;
  }

  /** Continues from a state saved after whole blocks (`length` octets hashed), e.g. an HMAC pad. */
  restore(state: Int32Array, length: number): this {
    this.state.set(state);
    this.buffered = 0;
    this.length = length;
    return this;
  }

  /** Copies the chaining state; valid only when a whole number of blocks has been hashed. */
  save(into: Int32Array): void {
    into.set(this.state);
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    this.length += end - start;
    let i = start;
    if (this.buffered > 0) {
      while (i < end && this.buffered < 64) this.buffer[this.buffered++] = data[i++]!;
      if (this.buffered < 64) return this;
      md5Compress(this.state, this.buffer, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= end; i += 64) md5Compress(this.state, data, i);
    while (i < end) this.buffer[this.buffered++] = data[i++]!;
    return this;
  }

  /** Repeats one octet `count` times (the zeroed Message-Authenticator value). */
  updateFill(octet: number, count: number): this {
    this.length += count;
    for (let n = 0; n < count; n++) {
      this.buffer[this.buffered++] = octet;
      if (this.buffered === 64) {
        md5Compress(this.state, this.buffer, 0);
        this.buffered = 0;
      }
    }
    return this;
  }

  /** RFC 1321 §3.1–3.2: pad, append the bit length, and write the 16-octet digest at `out[offset]`. */
  digestInto(out: Uint8Array, offset = 0): void {
    const bits = this.length * 8;
    const buffer = this.buffer;
    buffer[this.buffered++] = 0x80;
    if (this.buffered > 56) {
      buffer.fill(0, this.buffered);
      md5Compress(this.state, buffer, 0);
      this.buffered = 0;
    }
    buffer.fill(0, this.buffered, 56);
    const low = bits >>> 0;
    const high = Math.floor(bits / 2 ** 32) >>> 0;
    for (let k = 0; k < 4; k++) {
      buffer[56 + k] = (low >>> (8 * k)) & 255;
      buffer[60 + k] = (high >>> (8 * k)) & 255;
    }
    md5Compress(this.state, buffer, 0);
    for (let k = 0; k < 4; k++) {
      const w = this.state[k]!;
      out[offset + 4 * k] = w & 255;
      out[offset + 4 * k + 1] = (w >>> 8) & 255;
      out[offset + 4 * k + 2] = (w >>> 16) & 255;
      out[offset + 4 * k + 3] = (w >>> 24) & 255;
    }
  }
}

const shared = new Md5();

/** MD5 of the concatenation of `parts`, as a new 16-octet array. */
export function md5(...parts: Uint8Array[]): Uint8Array {
  shared.reset();
  for (const part of parts) shared.update(part);
  const out = new Uint8Array(16);
  shared.digestInto(out);
  return out;
}

/** The MD5 states after the HMAC inner and outer pad blocks of one key (RFC 2104 §2). */
export interface HmacMd5Key {
  readonly inner: Int32Array;
  readonly outer: Int32Array;
}

const keys = new WeakMap<Uint8Array, HmacMd5Key>();

/**
 * Precomputes the HMAC pads for `secret`. Cached per secret array, so a client's secret costs its two pad
 * blocks once, not on every packet. RFC 2104 §2: keys longer than the block are hashed first.
 */
export function hmacMd5Key(secret: Uint8Array): HmacMd5Key {
  const cached = keys.get(secret);
  if (cached !== undefined) return cached;
  const key = secret.length > 64 ? md5(secret) : secret;
  const pad = new Uint8Array(64);
  const inner = new Int32Array(4);
  const outer = new Int32Array(4);
  pad.fill(0x36).forEach((v, i) => {
    pad[i] = v ^ (key[i] ?? 0);
  });
  shared.reset().update(pad).save(inner);
  pad.fill(0x5c).forEach((v, i) => {
    pad[i] = v ^ (key[i] ?? 0);
  });
  shared.reset().update(pad).save(outer);
  const made = { inner, outer };
  keys.set(secret, made);
  return made;
}

const innerDigest = new Uint8Array(16);

/** Starts an HMAC-MD5: feed the message with `update`, then call `finishHmacMd5`. */
export function startHmacMd5(key: HmacMd5Key): Md5 {
  return shared.restore(key.inner, 64);
}

/** Ends the HMAC-MD5 started by `startHmacMd5`, writing 16 octets at `out[offset]`. */
export function finishHmacMd5(key: HmacMd5Key, out: Uint8Array, offset = 0): void {
  shared.digestInto(innerDigest);
  shared.restore(key.outer, 64).update(innerDigest).digestInto(out, offset);
}

/** Starts a plain MD5 on the shared instance (for multi-part inputs without copying). */
export function startMd5(): Md5 {
  return shared.reset();
}
