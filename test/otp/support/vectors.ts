// Test support: reads RFC vector files (first line names the RFC section; '#' lines are comments).
import { readFileSync } from 'node:fs';

/**
 * Reads a vector file next to the tests.
 * @param name - file name under test/otp/vectors/
 * @returns the title line and the whitespace-separated fields of every data line
 */
export function readVectors(name: string): { title: string; rows: string[][] } {
  const text = readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8');
  const lines = text.split('\n');
  const title = lines[0] ?? '';
  const rows = lines
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/));
  return { title, rows };
}

/** RFC 4226 Appendix D / RFC 6238 Appendix B seeds, as bytes. */
export const rfcSeeds = {
  SHA1: new TextEncoder().encode('12345678901234567890'),
  SHA256: new TextEncoder().encode('12345678901234567890123456789012'),
  SHA512: new TextEncoder().encode('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;
