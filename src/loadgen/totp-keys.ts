// Owns the load generator's per-user TOTP keys (derived from one seed) and their codes at send time.
import { createHmac } from 'node:crypto';
import { hotpUnchecked } from '../otp/hotp.js';

/** RFC 4226 §4 recommends a 160-bit key for HMAC-SHA-1. */
export const TOTP_KEY_OCTETS = 20;
/** The benchmark's tokens: SHA-1, 6 digits, 30 s steps from T0 = 0 (RFC 6238 §4.1 defaults). */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

const PERIOD_MS = TOTP_PERIOD_SECONDS * 1000;

/**
 * The key of user `index`: the first 20 octets of HMAC-SHA-256(seed, "assent-bench-totp" ‖ uint32be(index)).
 * Every user gets its own key, and whoever knows the run's seed (the generator, the tool that writes the
 * servers' token files) can rebuild any of them without a 200,000-line key file.
 */
export function deriveTotpKey(seed: Uint8Array, index: number): Uint8Array {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(index >>> 0, 0);
  const mac = createHmac('sha256', seed).update('assent-bench-totp').update(counter).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, TOTP_KEY_OCTETS);
}

/** RFC 6238 §4.2: T = floor(unix time / X) with T0 = 0, from milliseconds. */
export function totpStepAt(unixMs: number): number {
  return Math.floor(unixMs / PERIOD_MS);
}

/**
 * Every user's key, derived once before the run, and the code of a user for a step. Codes are computed when
 * a request is sent, never ahead, so a run that crosses a step boundary sends the new step's codes.
 */
export class TotpKeyTable {
  readonly size: number;
  readonly #keys: Uint8Array[];

  constructor(seed: Uint8Array, users: number) {
    this.size = users;
    this.#keys = new Array<Uint8Array>(users);
    for (let i = 0; i < users; i++) this.#keys[i] = deriveTotpKey(seed, i);
  }

  /** The 6-digit code of user `index` for time step `step` (RFC 6238 §4.2: TOTP = HOTP(K, T)). */
  code(index: number, step: number): string {
    return hotpUnchecked(this.#keys[index]!, step, TOTP_DIGITS, 'sha1');
  }
}
