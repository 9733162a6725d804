// Test helpers: hex text ↔ octets, and the small template language of the decoder vector table.

/** Octets from hex text; whitespace is ignored. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Sixteen distinct octets standing for `<auth>` in the vector table. */
export const SAMPLE_AUTH = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

/**
 * Expands a vector template. Tokens, separated by spaces:
 * `hh` one octet · `hh*N` that octet N times · `[hhhh…]*N` the group N times · `<auth>` 16 octets ·
 * `<len>` two octets holding the length of the whole expansion (the header Length field) ·
 * `<empty>` nothing (for the empty datagram).
 */
export function expandTemplate(template: string): Uint8Array {
  const out: number[] = [];
  let lenAt = -1;
  for (const token of template.trim().split(/\s+/).filter(Boolean)) {
    const repeatedOctet = /^([0-9a-fA-F]{2})\*(\d+)$/.exec(token);
    const repeatedGroup = /^\[([0-9a-fA-F]+)\]\*(\d+)$/.exec(token);
    if (token === '<empty>') continue;
    if (token === '<auth>') out.push(...SAMPLE_AUTH);
    else if (token === '<len>') {
      lenAt = out.length;
      out.push(0, 0);
    } else if (repeatedOctet) {
      for (let i = 0; i < Number(repeatedOctet[2]); i++) out.push(Number.parseInt(repeatedOctet[1]!, 16));
    } else if (repeatedGroup) {
      const group = fromHex(repeatedGroup[1]!);
      for (let i = 0; i < Number(repeatedGroup[2]); i++) out.push(...group);
    } else if (/^[0-9a-fA-F]{2}$/.test(token)) out.push(Number.parseInt(token, 16));
    else throw new Error(`bad template token ${token}`);
  }
  if (lenAt >= 0) {
    out[lenAt] = out.length >>> 8;
    out[lenAt + 1] = out.length & 0xff;
  }
  return Uint8Array.from(out);
}

/** Reads a vector file: the first line names its source; `#` lines and blank lines are skipped. */
export function readVectorLines(text: string): { source: string; lines: string[] } {
  const [source = '', ...rest] = text.split(/\r?\n/);
  return { source, lines: rest.filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) };
}
