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

/** The login an open code belongs to. */
export interface Enrollment {
  readonly userName: string;
  readonly transactionId: string;
  /** Epoch ms after which the code is refused. */
  readonly expiresAt: number;
}

/**
 * A TOTP token chosen on the link's page that has not yet proven itself: it lives only here, with its code, and is
 * stored only when its first code verifies at the NAS (SECURITY A11.4).
 */
export interface PendingTotp {
  readonly secret: Uint8Array;
  readonly algorithm: 'SHA1';
  readonly digits: 6;
  readonly period: 30;
}

interface Open extends Enrollment {
  /** The TOTP token shown on the page, if the user chose one; a later choice replaces it. */
  totp: PendingTotp | undefined;
}

/**
 * One open code per user, valid `lifetimeMs`, bound to the user and the login that asked for it (40 bits from the
 * CSPRNG; the public listener's per-address rate limit bounds guessing). It may be looked at (`peek`) any number of
 * times; it is spent by `take` (the web authenticator was chosen) or `spend` (a TOTP token it offered was stored).
 * In memory: a restart ends open enrollments and their pending TOTP tokens, and the user's next login asks again.
 * Issuing is bounded per user and per source address.
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
    this.codes.set(code, { userName, transactionId, expiresAt: now + this.lifetimeMs, totp: undefined });
    this.byUser.set(userName, code);
    return { code };
  }

  /** The login of an open code, without using it up; undefined for an unknown, spent or expired one. */
  peek(code: string, now: number): Enrollment | undefined {
    const open = this.codes.get(code);
    return open !== undefined && open.expiresAt > now ? enrollmentOf(open) : undefined;
  }

  /** Uses a code up (dropping any pending TOTP token): its login, or undefined for an unknown, spent or expired one. */
  take(code: string, now: number): Enrollment | undefined {
    const open = this.codes.get(code);
    if (open === undefined) return undefined;
    this.forget(code, open);
    return open.expiresAt > now ? enrollmentOf(open) : undefined;
  }

  /** Keeps `totp` with an open code, replacing one chosen before; its login, or undefined (nothing kept). */
  holdTotp(code: string, totp: PendingTotp, now: number): Enrollment | undefined {
    const open = this.codes.get(code);
    if (open === undefined || open.expiresAt <= now) return undefined;
    open.totp = totp;
    return enrollmentOf(open);
  }

  /** The pending TOTP token of `userName`'s open code, only for the login the code was given to. */
  pendingTotp(userName: string, transactionId: string, now: number): PendingTotp | undefined {
    const code = this.byUser.get(userName);
    const open = code === undefined ? undefined : this.codes.get(code);
    if (open === undefined || open.transactionId !== transactionId || open.expiresAt <= now) return undefined;
    return open.totp;
  }

  /** Spends `userName`'s open code if it was given to this login (its TOTP token was stored). */
  spend(userName: string, transactionId: string): void {
    const code = this.byUser.get(userName);
    const open = code === undefined ? undefined : this.codes.get(code);
    if (code !== undefined && open !== undefined && open.transactionId === transactionId)
      this.forget(code, open);
  }

  get size(): number {
    return this.codes.size;
  }

  private forget(code: string, open: Open): void {
    this.codes.delete(code);
    if (this.byUser.get(open.userName) === code) this.byUser.delete(open.userName);
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
    for (const [code, open] of this.codes) if (open.expiresAt <= now) this.forget(code, open);
    if (this.issued.size > 10_000) {
      for (const [key, times] of this.issued)
        if (times.every((at) => now - at >= HOUR_MS)) this.issued.delete(key);
    }
  }
}

function enrollmentOf(open: Open): Enrollment {
  return { userName: open.userName, transactionId: open.transactionId, expiresAt: open.expiresAt };
}
