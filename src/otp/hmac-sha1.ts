// Owns an allocation-free HMAC-SHA-1 of one 8-octet counter (RFC 2104, FIPS 180-4), the HOTP/TOTP hot path.
import { createHash } from 'node:crypto';

/*
 * Why not node:crypto: createHmac sets up an OpenSSL context per call (about 3–4 µs), more than the whole hash.
 * HOTP always hashes 8 octets, so with the key's inner and outer pad states computed once per secret, one code is
 * two SHA-1 compressions in plain integer arithmetic.
 */

const BLOCK = 64;
const w = new Int32Array(80);
const state = new Int32Array(5);
const out = new Uint8Array(20);

/**
 * A key carrying its pad states: [inner pad state (5 words), outer pad state (5 words)]. For a key that was not
 * packed (below), the states ride on the key object itself: a property load, where a WeakMap of 300,000 keys cost
 * a hash lookup per code and made every full garbage collection walk its entries.
 */
interface KeyWithPads extends Uint8Array {
  hmacSha1Pads?: Int32Array;
}

/** The buffer of a slab `packKeysWithPadStates` filled: a word view of all of it, to read pad states from. */
interface PaddedSlab extends ArrayBuffer {
  hmacSha1PadWords?: Int32Array;
}

/** Octets a packed key takes: the key to a word boundary, then its 10 words of pad states, in 64-octet units. */
function packedOctets(keyLength: number): number {
  return Math.ceil((((keyLength + 3) & ~3) + 40) / 64) * 64;
}

function compress(h: Int32Array, block: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = block[t - 3]! ^ block[t - 8]! ^ block[t - 14]! ^ block[t - 16]!;
    block[t] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let temp: number;
  // FIPS 180-4 §6.1.2: four rounds of 20 with their own function and constant; separate loops keep them branch-free.
  for (let t = 0; t < 20; t++) {
    temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + block[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 20; t < 40; t++) {
    temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + block[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 40; t < 60; t++) {
    temp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + block[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 60; t < 80; t++) {
    temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + block[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 | 0];

/**
 * Copies `keys` into one shared slab, each key followed by its pad states (a 20-octet key and its 40 octets of
 * states take 64), and returns the copies in order. The login index does this at load, so a user's first code
 * after a restart costs what a later one does (two compressions, no key set-up), and a code reads the states from
 * beside its key: no view object of their own (about 100 octets each) and no property table on the key.
 * Only the returned views find their states this way; a narrower view of one of them would not.
 */
export function packKeysWithPadStates(keys: readonly Uint8Array[]): Uint8Array[] {
  let octets = 0;
  for (const key of keys) octets += packedOctets(key.length);
  const slab = new Uint8Array(octets);
  const words = new Int32Array(slab.buffer);
  const packed: Uint8Array[] = [];
  let offset = 0;
  for (const key of keys) {
    slab.set(key, offset);
    computePads(key, words, (offset + ((key.length + 3) & ~3)) >>> 2);
    packed.push(slab.subarray(offset, offset + key.length));
    offset += packedOctets(key.length);
  }
  (slab.buffer as PaddedSlab).hmacSha1PadWords = words;
  return packed;
}

/** Where the next compressions read `key`'s pad states: `padWords` from word `padAt` on. */
let padWords: Int32Array = new Int32Array(10);
let padAt = 0;

function locatePads(key: Uint8Array): void {
  const slab = (key.buffer as PaddedSlab).hmacSha1PadWords;
  if (slab !== undefined) {
    padWords = slab;
    padAt = (key.byteOffset + ((key.length + 3) & ~3)) >>> 2;
    return;
  }
  let own = (key as KeyWithPads).hmacSha1Pads;
  if (own === undefined) {
    own = new Int32Array(10);
    computePads(key, own, 0);
    (key as KeyWithPads).hmacSha1Pads = own;
  }
  padWords = own;
  padAt = 0;
}

function computePads(key: Uint8Array, into: Int32Array, at: number): void {
  // RFC 2104 §2: keys longer than a block are hashed first.
  const k = key.length > BLOCK ? new Uint8Array(createHash('sha1').update(key).digest()) : key;
  for (let half = 0; half < 2; half++) {
    const byte = half === 0 ? 0x36 : 0x5c;
    state.set(INITIAL);
    for (let i = 0; i < 16; i++) {
      let word = 0;
      for (let j = 0; j < 4; j++) word = (word << 8) | ((k[i * 4 + j] ?? 0) ^ byte);
      w[i] = word;
    }
    compress(state, w);
    into.set(state, at + half * 5);
  }
}

/**
 * HMAC-SHA-1(key, counter as 8 octets big-endian). Returns a shared 20-octet buffer that the next call
 * overwrites: read it before calling again.
 */
export function hmacSha1Counter(key: Uint8Array, high: number, low: number): Uint8Array {
  locatePads(key);
  const pads = padWords;
  const at = padAt;
  // Inner: the 8-octet message, the 0x80 pad, and the length (64 + 8 octets = 576 bits) in one block.
  for (let i = 0; i < 5; i++) state[i] = pads[at + i]!;
  w.fill(0, 0, 16);
  w[0] = high | 0;
  w[1] = low | 0;
  w[2] = 0x80000000 | 0;
  w[15] = (BLOCK + 8) * 8;
  compress(state, w);
  // Outer: the 20-octet inner digest, the pad, and the length (64 + 20 octets = 672 bits).
  w.fill(0, 0, 16);
  for (let i = 0; i < 5; i++) w[i] = state[i]!;
  w[5] = 0x80000000 | 0;
  w[15] = (BLOCK + 20) * 8;
  for (let i = 0; i < 5; i++) state[i] = pads[at + 5 + i]!;
  compress(state, w);
  for (let i = 0; i < 5; i++) {
    const word = state[i]!;
    out[i * 4] = word >>> 24;
    out[i * 4 + 1] = (word >>> 16) & 0xff;
    out[i * 4 + 2] = (word >>> 8) & 0xff;
    out[i * 4 + 3] = word & 0xff;
  }
  return out;
}
