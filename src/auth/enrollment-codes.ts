// Owns the short codes of enrollment at login (issue 18): `https://…/e/K7Q2M9XW` in a challenge's Reply-Message.
import { randomInt } from 'node:crypto';
import { Reason } from '../domain/reason.js';

/** No 0/O, 1/I: a code is read off a VPN client's dialog and typed on a phone. 32 symbols: 5 bits each. */
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;
export const ENROLLMENT_CODE_PATTERN = /^[2-9A-HJ-NP-Z]{8}$/;

/** Bounds: codes a user may be given, and codes logins from one address may ask for, per hour. */
const PER_USER_PER_HOUR = 5;
const PER_SOURCE_PER_HOUR = 30;
const HOUR_MS = 3600_000;

interface Open {
  readonly userName: string;
  readonly transactionId: string;
  readonly expiresAt: number;
}

/**
 * One open code per user, single use, valid `lifetimeMs`, bound to the user and the login that asked for it (40
 * bits from the CSPRNG; the public listener's per-address rate limit bounds guessing). In memory: a restart ends
 * open enrollments, and the user's next login asks again. Issuing is bounded per user and per source address.
 */
export class EnrollmentCodes {
  private readonly codes = new Map<string, Open>();
  private readonly byUser = new Map<string, string>();
  private readonly issued = new Map<string, number[]>();

  constructor(private readonly lifetimeMs: number) {}

  /** A new code for `userName` (replacing one still open), or the reason the limits say no. */
  issue(
    userName: string,
    transactionId: string,
    source: string,
    now: number,
  ): { readonly code: string } | { readonly refused: Reason } {
    this.sweep(now);
    const limited = { refused: Reason.EnrollmentLimited };
    if (!this.admit(`u:${userName}`, PER_USER_PER_HOUR, now)) return limited;
    if (source !== '' && !this.admit(`s:${source}`, PER_SOURCE_PER_HOUR, now)) return limited;
    const previous = this.byUser.get(userName);
    if (previous !== undefined) this.codes.delete(previous);
    let code = '';
    do {
      code = '';
      for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    } while (this.codes.has(code));
    this.codes.set(code, { userName, transactionId, expiresAt: now + this.lifetimeMs });
    this.byUser.set(userName, code);
    return { code };
  }

  /** Uses a code up: its user and login, or undefined for an unknown, used or expired one. */
  take(code: string, now: number): { userName: string; transactionId: string } | undefined {
    const open = this.codes.get(code);
    if (open === undefined) return undefined;
    this.codes.delete(code);
    if (this.byUser.get(open.userName) === code) this.byUser.delete(open.userName);
    return open.expiresAt > now ? { userName: open.userName, transactionId: open.transactionId } : undefined;
  }

  get size(): number {
    return this.codes.size;
  }

  private admit(key: string, max: number, now: number): boolean {
    const recent = (this.issued.get(key) ?? []).filter((at) => now - at < HOUR_MS);
    if (recent.length >= max) {
      this.issued.set(key, recent);
      return false;
    }
    recent.push(now);
    this.issued.set(key, recent);
    return true;
  }

  private sweep(now: number): void {
    for (const [code, open] of this.codes) {
      if (open.expiresAt > now) continue;
      this.codes.delete(code);
      if (this.byUser.get(open.userName) === code) this.byUser.delete(open.userName);
    }
    if (this.issued.size > 10_000) {
      for (const [key, times] of this.issued)
        if (times.every((at) => now - at >= HOUR_MS)) this.issued.delete(key);
    }
  }
}
