// Owns parsing of IPv4/IPv6 addresses and CIDR blocks into a comparable 128-bit form for the client table.
import { isIPv4, isIPv6 } from 'node:net';

/** An address as four 32-bit words; IPv4 is stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so both families match. */
export type Words = readonly [number, number, number, number];

export interface Cidr {
  readonly words: Words;
  readonly prefix: number;
}

function parseIPv4(text: string): number {
  const parts = text.split('.');
  let value = 0;
  for (const part of parts) value = ((value << 8) | Number(part)) >>> 0;
  return value;
}

/** Parses an IPv4 or IPv6 literal. Returns undefined for anything else (host names are not addresses). */
export function parseAddress(text: string): Words | undefined {
  if (isIPv4(text)) return [0, 0, 0xffff, parseIPv4(text)];
  if (!isIPv6(text)) return undefined;
  let body = text;
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  let tailV4: number | undefined;
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) >= 0) {
    tailV4 = parseIPv4(body.slice(lastColon + 1));
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', tail] = body.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = new Array<number>(8).fill(0);
  headGroups.forEach((g, i) => {
    groups[i] = Number.parseInt(g, 16);
  });
  tailGroups.forEach((g, i) => {
    groups[8 - tailGroups.length + i] = Number.parseInt(g, 16);
  });
  const w = (i: number) => (((groups[i] ?? 0) << 16) | (groups[i + 1] ?? 0)) >>> 0;
  return [w(0), w(2), w(4), tailV4 ?? w(6)];
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, `x::y` or `x::y/n`. A bare address is a /32 (IPv4) or /128 (IPv6). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const words = parseAddress(addressText);
  if (!words) return undefined;
  const v4 = isIPv4(addressText);
  let prefix = v4 ? 32 : 128;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > (v4 ? 32 : 128)) return undefined;
  }
  return { words, prefix: v4 ? prefix + 96 : prefix };
}

/** True when `address` lies inside `cidr`. */
export function cidrContains(cidr: Cidr, address: Words): boolean {
  let remaining = cidr.prefix;
  for (let i = 0; i < 4 && remaining > 0; i++) {
    const bits = Math.min(remaining, 32);
    const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
    if (((cidr.words[i]! ^ address[i]!) & mask) >>> 0 !== 0) return false;
    remaining -= bits;
  }
  return true;
}

/** Canonical text of an address (IPv4-mapped IPv6 shown as IPv4), used as the exact-match key. */
export function canonicalAddress(words: Words): string {
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
    const v = words[3];
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: string[] = [];
  for (const w of words) groups.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
  return groups.join(':');
}
