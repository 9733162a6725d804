// Tests the packet slab: zeroed, disjoint views that share ArrayBuffers, and plain memory for big packets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocatePacket } from '../../src/radius/packet-slab.js';

test('hands out zero-filled views that never overlap, many per ArrayBuffer', () => {
  const views = Array.from({ length: 3000 }, (_, i) => allocatePacket(20 + (i % 200)));
  for (const view of views) {
    assert.ok(view.every((octet) => octet === 0));
    view.fill(0xa5);
  }
  // Written after all were handed out: any overlap would have overwritten a neighbour's marker.
  views.forEach((view, i) => {
    view[0] = i & 0xff;
  });
  views.forEach((view, i) => {
    assert.equal(view[0], i & 0xff);
    assert.ok(view.subarray(1).every((octet) => octet === 0xa5));
  });
  const buffers = new Set(views.map((view) => view.buffer));
  assert.ok(buffers.size < views.length / 50, `${buffers.size} buffers for ${views.length} packets`);
});

test('a packet above the RADIUS maximum gets memory of its own', () => {
  const big = allocatePacket(5000);
  assert.equal(big.length, 5000);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 5000);
});
