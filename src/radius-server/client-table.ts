// Owns the lookup from a datagram's source address to the configured RADIUS client (RFC 2865 §2, SECURITY A1.1).
import type { Client } from '../domain/client.js';
import { type Cidr, canonicalAddress, cidrContains, parseAddress, parseCidr } from './ip-address.js';

/**
 * Finds the client for a source address: exact addresses first (one Map lookup on the hot path, keyed by the
 * text Node reports), then the longest matching CIDR block. Built once; rebuild to change clients.
 */
export class ClientTable {
  private readonly exact = new Map<string, Client>();
  private readonly blocks: { cidr: Cidr; client: Client }[] = [];

  constructor(clients: readonly Client[]) {
    for (const client of clients) {
      const cidr = parseCidr(client.address);
      if (!cidr)
        throw new Error(`client ${client.name}: address ${client.address} is not an IP address or CIDR`);
      const full = cidr.prefix === 128;
      if (full) {
        const key = canonicalAddress(cidr.words);
        this.exact.set(key, client);
        // Node reports IPv4 peers on a dual-stack socket as ::ffff:a.b.c.d.
        if (key.includes('.')) this.exact.set(`::ffff:${key}`, client);
      } else {
        this.blocks.push({ cidr, client });
      }
    }
    this.blocks.sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  }

  get size(): number {
    return this.exact.size + this.blocks.length;
  }

  /** The client for `address` as Node's dgram reports it, or undefined (the caller drops silently). */
  find(address: string): Client | undefined {
    const hit = this.exact.get(address);
    if (hit !== undefined) return hit;
    const words = parseAddress(address);
    if (!words) return undefined;
    const exact = this.exact.get(canonicalAddress(words));
    if (exact) return exact;
    for (const block of this.blocks) if (cidrContains(block.cidr, words)) return block.client;
    return undefined;
  }
}
