// Owns the memory of encoded packets: carved from shared slabs, so a packet costs no ArrayBuffer of its own.
//
// Why: every typed array handed to a socket needs an off-heap ArrayBuffer (V8 moves a small on-heap one out
// when native code asks for its bytes), and each ArrayBuffer is a malloc, a GC extension and a free found by the
// young-generation sweep. Profiled under load, sweeping those buffers was over half of every scavenge. One slab
// serves hundreds of packets; it is freed when the last packet carved from it is (duplicate-cache replies
// included), so memory held is what it was, rounded up to one slab.

/** Bytes per slab: a few hundred typical replies. */
const SLAB_OCTETS = 64 * 1024;
/** Larger packets get their own memory, so one big reply does not waste most of a slab. */
const MAX_CARVED = 4096;

let slab = new ArrayBuffer(SLAB_OCTETS);
let used = 0;

/**
 * A zero-filled view of `length` octets that no other packet shares. Regions are never handed out twice, so the
 * zeros a fresh ArrayBuffer has are the zeros the encoder relies on (authenticator and MA placeholders).
 * @param length - 0 … 4096 (RFC 2865 §3 maximum); larger values get a plain allocation
 */
export function allocatePacket(length: number): Uint8Array {
  if (length > MAX_CARVED) return new Uint8Array(length);
  if (used + length > SLAB_OCTETS) {
    slab = new ArrayBuffer(SLAB_OCTETS);
    used = 0;
  }
  const view = new Uint8Array(slab, used, length);
  used += length;
  return view;
}
