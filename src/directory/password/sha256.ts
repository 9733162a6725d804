// Owns an allocation-free SHA-256 (FIPS 180-4 §6.2) for the short inputs of salted password checks.

/*
 * Why not node:crypto: `crypto.hash` sets up an OpenSSL digest context per call (about 2 µs here), several times
 * the cost of the one or two compressions a password plus salt needs. This runs on the PAP hot path for
 * `{SSHA256}` hashes; longer inputs work too, they just gain nothing.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** FIPS 180-4 §5.3.3: the initial hash value. */
const INITIAL = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const BLOCK = 64;
const h = new Int32Array(8);
const w = new Int32Array(64);
const tail = new Uint8Array(2 * BLOCK);

function compress(bytes: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++) {
    const i = offset + t * 4;
    w[t] = (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let hh = h[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[t]! + w[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/**
 * SHA-256 of `first ‖ second[secondFrom…secondTo)` (password ‖ salt without concatenating them, the salt where
 * it is stored) into `out[offset…offset+32)`. Messages up to 2^32 − 1 octets (far beyond any password).
 */
export function sha256Into(
  first: Uint8Array,
  second: Uint8Array,
  out: Uint8Array,
  offset = 0,
  secondFrom = 0,
  secondTo = second.length,
): void {
  h.set(INITIAL);
  const length = first.length + (secondTo - secondFrom);
  const whole = length - (length % BLOCK);
  // Whole blocks that lie inside `first` are compressed in place; the rest goes through the tail buffer.
  let position = 0;
  while (position + BLOCK <= first.length && position < whole) {
    compress(first, position);
    position += BLOCK;
  }
  let used = 0;
  for (let i = position; i < first.length; i++) {
    tail[used++] = first[i]!;
    if (used === BLOCK) {
      compress(tail, 0);
      used = 0;
    }
  }
  for (let i = secondFrom; i < secondTo; i++) {
    tail[used++] = second[i]!;
    if (used === BLOCK) {
      compress(tail, 0);
      used = 0;
    }
  }
  // FIPS 180-4 §5.1.1: 0x80, zeros, then the bit length as 64 bits big-endian.
  tail[used++] = 0x80;
  const end = used + 8 > BLOCK ? 2 * BLOCK : BLOCK;
  tail.fill(0, used, end);
  const bits = length * 8;
  const high = Math.floor(bits / 2 ** 32);
  const low = bits >>> 0;
  for (let i = 0; i < 4; i++) {
    tail[end - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    tail[end - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  compress(tail, 0);
  if (end > BLOCK) compress(tail, BLOCK);
  // The tail held password octets: wipe it.
  tail.fill(0);
  for (let i = 0; i < 8; i++) {
    const word = h[i]!;
    out[offset + i * 4] = word >>> 24;
    out[offset + i * 4 + 1] = (word >>> 16) & 0xff;
    out[offset + i * 4 + 2] = (word >>> 8) & 0xff;
    out[offset + i * 4 + 3] = word & 0xff;
  }
}
