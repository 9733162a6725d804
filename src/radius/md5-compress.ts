// Owns the MD5 compression function (RFC 1321 §3.4), written out step by step for the RADIUS hot path.
// Why unrolled: with constant shifts, constants and message words in locals, V8 compiles each of the 64 steps to a
// few integer instructions; the table-driven loop it replaces spent most of its time on the table loads. The body
// was generated from RFC 1321 §3.4 (round functions F, G, H, I; T[i] = floor(2^32 · |sin(i + 1)|); the per-round
// shifts and word order) and is checked against node:crypto in test/radius/md5.test.ts.

/**
 * One 64-octet block of `block` at `offset` into the chaining `state` (4 words).
 * @param state - A, B, C, D; updated in place
 * @param block - message octets
 * @param offset - start of the block within `block`
 */
export function md5Compress(state: Int32Array, block: Uint8Array, offset: number): void {
  const x0 =
    block[offset + 0]! | (block[offset + 1]! << 8) | (block[offset + 2]! << 16) | (block[offset + 3]! << 24);
  const x1 =
    block[offset + 4]! | (block[offset + 5]! << 8) | (block[offset + 6]! << 16) | (block[offset + 7]! << 24);
  const x2 =
    block[offset + 8]! |
    (block[offset + 9]! << 8) |
    (block[offset + 10]! << 16) |
    (block[offset + 11]! << 24);
  const x3 =
    block[offset + 12]! |
    (block[offset + 13]! << 8) |
    (block[offset + 14]! << 16) |
    (block[offset + 15]! << 24);
  const x4 =
    block[offset + 16]! |
    (block[offset + 17]! << 8) |
    (block[offset + 18]! << 16) |
    (block[offset + 19]! << 24);
  const x5 =
    block[offset + 20]! |
    (block[offset + 21]! << 8) |
    (block[offset + 22]! << 16) |
    (block[offset + 23]! << 24);
  const x6 =
    block[offset + 24]! |
    (block[offset + 25]! << 8) |
    (block[offset + 26]! << 16) |
    (block[offset + 27]! << 24);
  const x7 =
    block[offset + 28]! |
    (block[offset + 29]! << 8) |
    (block[offset + 30]! << 16) |
    (block[offset + 31]! << 24);
  const x8 =
    block[offset + 32]! |
    (block[offset + 33]! << 8) |
    (block[offset + 34]! << 16) |
    (block[offset + 35]! << 24);
  const x9 =
    block[offset + 36]! |
    (block[offset + 37]! << 8) |
    (block[offset + 38]! << 16) |
    (block[offset + 39]! << 24);
  const x10 =
    block[offset + 40]! |
    (block[offset + 41]! << 8) |
    (block[offset + 42]! << 16) |
    (block[offset + 43]! << 24);
  const x11 =
    block[offset + 44]! |
    (block[offset + 45]! << 8) |
    (block[offset + 46]! << 16) |
    (block[offset + 47]! << 24);
  const x12 =
    block[offset + 48]! |
    (block[offset + 49]! << 8) |
    (block[offset + 50]! << 16) |
    (block[offset + 51]! << 24);
  const x13 =
    block[offset + 52]! |
    (block[offset + 53]! << 8) |
    (block[offset + 54]! << 16) |
    (block[offset + 55]! << 24);
  const x14 =
    block[offset + 56]! |
    (block[offset + 57]! << 8) |
    (block[offset + 58]! << 16) |
    (block[offset + 59]! << 24);
  const x15 =
    block[offset + 60]! |
    (block[offset + 61]! << 8) |
    (block[offset + 62]! << 16) |
    (block[offset + 63]! << 24);
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  a = (a + ((b & c) | (~b & d)) + x0 + 0xd76aa478) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x1 + 0xe8c7b756) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x2 + 0x242070db) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x3 + 0xc1bdceee) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x4 + 0xf57c0faf) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x5 + 0x4787c62a) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x6 + 0xa8304613) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x7 + 0xfd469501) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x8 + 0x698098d8) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x9 + 0x8b44f7af) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x10 + 0xffff5bb1) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x11 + 0x895cd7be) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x12 + 0x6b901122) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x13 + 0xfd987193) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x14 + 0xa679438e) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x15 + 0x49b40821) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((d & b) | (~d & c)) + x1 + 0xf61e2562) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((c & a) | (~c & b)) + x6 + 0xc040b340) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((b & d) | (~b & a)) + x11 + 0x265e5a51) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((a & c) | (~a & d)) + x0 + 0xe9b6c7aa) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((d & b) | (~d & c)) + x5 + 0xd62f105d) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((c & a) | (~c & b)) + x10 + 0x02441453) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((b & d) | (~b & a)) + x15 + 0xd8a1e681) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((a & c) | (~a & d)) + x4 + 0xe7d3fbc8) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((d & b) | (~d & c)) + x9 + 0x21e1cde6) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((c & a) | (~c & b)) + x14 + 0xc33707d6) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((b & d) | (~b & a)) + x3 + 0xf4d50d87) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((a & c) | (~a & d)) + x8 + 0x455a14ed) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((d & b) | (~d & c)) + x13 + 0xa9e3e905) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((c & a) | (~c & b)) + x2 + 0xfcefa3f8) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((b & d) | (~b & a)) + x7 + 0x676f02d9) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((a & c) | (~a & d)) + x12 + 0x8d2a4c8a) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + (b ^ c ^ d) + x5 + 0xfffa3942) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x8 + 0x8771f681) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x11 + 0x6d9d6122) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x14 + 0xfde5380c) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x1 + 0xa4beea44) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x4 + 0x4bdecfa9) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x7 + 0xf6bb4b60) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x10 + 0xbebfbc70) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x13 + 0x289b7ec6) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x0 + 0xeaa127fa) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x3 + 0xd4ef3085) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x6 + 0x04881d05) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x9 + 0xd9d4d039) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x12 + 0xe6db99e5) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x15 + 0x1fa27cf8) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x2 + 0xc4ac5665) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x0 + 0xf4292244) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x7 + 0x432aff97) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x14 + 0xab9423a7) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x5 + 0xfc93a039) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x12 + 0x655b59c3) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x3 + 0x8f0ccc92) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x10 + 0xffeff47d) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x1 + 0x85845dd1) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x8 + 0x6fa87e4f) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x15 + 0xfe2ce6e0) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x6 + 0xa3014314) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x13 + 0x4e0811a1) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x4 + 0xf7537e82) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x11 + 0xbd3af235) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x2 + 0x2ad7d2bb) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x9 + 0xeb86d391) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
}
