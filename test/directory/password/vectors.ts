// Owns reading the password-hash vector files (first line names the source; then tool<TAB>password<TAB>hash).
import { readFileSync } from 'node:fs';

export interface HashVector {
  readonly tool: string;
  readonly password: string;
  readonly hash: string;
}

/** Reads `vectors/<name>` next to this file; lines starting with `#` are comments. */
export function readHashVectors(name: string): HashVector[] {
  const text = readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [tool, password, hash] = line.split('\t');
      if (tool === undefined || password === undefined || hash === undefined)
        throw new Error(`bad vector: ${line}`);
      return { tool, password, hash };
    });
}

/** UTF-8 octets, as the RADIUS codec hands over a decrypted User-Password. */
export function octets(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
