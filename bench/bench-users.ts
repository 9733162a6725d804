// Owns the benchmark's users: one set of salted SHA-256 hashes written for FreeRADIUS and for Assent.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { deriveTotpKey } from '../src/loadgen/totp-keys.js';
import { encodeBase32 } from '../src/otp/base32.js';

/** How the load generator names users and their passwords (`%d` = index). */
export const USER_FORMAT = 'bench%d';
export const PASSWORD_FORMAT = 'pw%d';
const SALT_OCTETS = 16;

/** Paths of the two files holding the same users. */
export interface BenchUserFiles {
  /**
   * FreeRADIUS `users` file for rlm_files: `bench0 SSHA2-256-Password := "<base64>"`, with a TOTP seed also
   * `, TOTP-Secret := "<base32>"` (rlm_totp reads it from control).
   */
  readonly freeradiusUsers: string;
  /** Assent import CSV: `username,password_hash` with `{SSHA256}<base64>`. */
  readonly assentCsv: string;
}

/**
 * base64(SHA-256(password ‖ salt) ‖ salt) with a fresh random salt: the `SSHA2-256-Password` of FreeRADIUS
 * rlm_pap and the `{SSHA256}` of OpenLDAP, so both servers check the very same hash.
 */
function saltedSha256(password: string): string {
  for (;;) {
    const salt = randomBytes(SALT_OCTETS);
    const digest = createHash('sha256').update(password, 'utf8').update(salt).digest();
    const encoded = Buffer.concat([digest, salt]).toString('base64');
    // FreeRADIUS reads an octets value that starts with "0x" as hex, so such a base64 string would fail to
    // load ("Invalid hex data"); about 1 in 4,096 salts does this. Draw another salt instead.
    if (!/^0x/i.test(encoded)) return encoded;
  }
}

/**
 * Writes `count` users (`bench0`…, passwords `pw0`…) with random salts to both files. With `totpSeed`, each
 * FreeRADIUS user also gets its own TOTP key, `deriveTotpKey(totpSeed, index)` (Assent's tokens are written
 * through its store, see bench/assent-tokens.ts).
 * @returns the two paths
 */
export function writeBenchUsers(
  count: number,
  freeradiusUsers: string,
  assentCsv: string,
  totpSeed?: Uint8Array,
): BenchUserFiles {
  const fr: string[] = [];
  const csv: string[] = ['username,password_hash'];
  for (let i = 0; i < count; i++) {
    const name = USER_FORMAT.replace('%d', String(i));
    const hash = saltedSha256(PASSWORD_FORMAT.replace('%d', String(i)));
    const totp = totpSeed ? `, TOTP-Secret := "${encodeBase32(deriveTotpKey(totpSeed, i))}"` : '';
    fr.push(`${name} SSHA2-256-Password := "${hash}"${totp}`);
    csv.push(`${name},{SSHA256}${hash}`);
  }
  writeFileSync(freeradiusUsers, `${fr.join('\n')}\n`);
  writeFileSync(assentCsv, `${csv.join('\n')}\n`);
  return { freeradiusUsers, assentCsv };
}
