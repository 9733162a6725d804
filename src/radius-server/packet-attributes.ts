// Owns reading single attributes out of a decoded request: presence, raw octets, log-safe text, an integer.
import type { Packet } from '../radius/packet.js';

/** Whether the packet carries at least one attribute of `type`. */
export function hasAttribute(packet: Packet, type: number): boolean {
  for (const attribute of packet.attributes) if (attribute.type === type) return true;
  return false;
}

/** The first attribute of `type`'s octets (a view into the datagram), or undefined. */
export function octetsOf(packet: Packet, type: number): Uint8Array | undefined {
  for (const attribute of packet.attributes) if (attribute.type === type) return attribute.value;
  return undefined;
}

/** The first attribute of `type` as UTF-8 text for a log line, control characters shown as `?`. */
export function textOf(packet: Packet, type: number): string | undefined {
  for (const attribute of packet.attributes) {
    if (attribute.type === type)
      return Buffer.from(attribute.value)
        .toString('utf8')
        .replace(/[\u0000-\u001f]/g, '?');
  }
  return undefined;
}

/** The first attribute of `type` that is 4 octets long, as an unsigned 32-bit integer, or undefined. */
export function integerOf(packet: Packet, type: number): number | undefined {
  for (const attribute of packet.attributes) {
    if (attribute.type === type && attribute.value.length === 4) {
      return new DataView(attribute.value.buffer, attribute.value.byteOffset, 4).getUint32(0);
    }
  }
  return undefined;
}
