// Owns the text forms of the address-like RADIUS data types: IPv4, IPv6, prefixes, Ethernet, Interface-Id.

/** `192.0.2.1` from 4 octets at `offset`. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Four octets from strict dotted-quad text (decimal, no leading zeros), or undefined. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** RFC 5952 text (lower case, longest run of two or more zero groups shortened to `::`) from 16 octets. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Sixteen octets from IPv6 text (with `::` and an optional trailing dotted quad), or undefined. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const words: number[] = [];
  const all = [...head, ...tail];
  // A dotted quad may only end the address: never just before a trailing `::`.
  const quadAt = halves.length === 1 || tail.length > 0 ? all.length - 1 : -1;
  for (let i = 0; i < all.length; i++) {
    const part = all[i]!;
    if (i === quadAt && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      words.push(Number.parseInt(part, 16));
    }
  }
  const missing = 8 - words.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const headWords = words.length - countWords(tail);
  const full = [
    ...words.slice(0, headWords),
    ...new Array<number>(missing).fill(0),
    ...words.slice(headWords),
  ];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = full[i]! >>> 8;
    out[2 * i + 1] = full[i]! & 0xff;
  }
  return out;
}

function countWords(parts: readonly string[]): number {
  let n = 0;
  for (const part of parts) n += part.includes('.') ? 2 : 1;
  return n;
}

/** `aa:bb:cc:dd:ee:ff` from 6 octets. */
export function formatEther(bytes: Uint8Array): string {
  return hexGroups(bytes, 1, ':');
}

/** Six octets from `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`, or undefined. */
export function parseEther(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return Uint8Array.from(text.split(/[:-]/), (h) => Number.parseInt(h, 16));
}

/** RFC 3162 §2.2 Interface-Id as FreeRADIUS prints it: `0011:2233:4455:6677`. */
export function formatIfid(bytes: Uint8Array): string {
  return hexGroups(bytes, 2, ':');
}

/** Eight octets from `xxxx:xxxx:xxxx:xxxx`, or undefined. */
export function parseIfid(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){3}$/.test(text)) return undefined;
  const out = new Uint8Array(8);
  text.split(':').forEach((group, i) => {
    const n = Number.parseInt(group, 16);
    out[2 * i] = n >>> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

function hexGroups(bytes: Uint8Array, size: number, separator: string): string {
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    let group = '';
    for (let j = i; j < i + size; j++) group += bytes[j]!.toString(16).padStart(2, '0');
    groups.push(group);
  }
  return groups.join(separator);
}
