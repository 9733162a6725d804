// Owns a TOTP enrolment waiting for its first code (the portal's "add an authenticator app"): the secret lives in
// memory only until the user's app proves it holds it, then the token is stored with that code already used.
import { randomBytes } from 'node:crypto';
import type { Token } from '../domain/token.js';
import { encodeBase32 } from '../otp/base32.js';
import { generateSecret } from '../otp/generate-secret.js';
import { buildOtpauthUri } from '../otp/otpauth-uri.js';
import { initialTotpState, verifyTotp } from '../otp/verify-totp.js';
import { addVouchedOtpToken, type TokenStores } from './token-admin.js';

/** How long a shown secret waits for its first code (as an activation link, SECURITY A8.9). */
export const PENDING_TOTP_MS = 10 * 60_000;
/** Open enrolments per user; a newer one drops the oldest. */
const PER_USER = 3;
/** Open enrolments in all: bounded memory whatever users do. */
const MAX_PENDING = 10_000;

/** What the portal shows once: the otpauth:// URI for the QR code and the same secret to type by hand. */
export interface StartedTotp {
  readonly pendingId: string;
  readonly uri: string;
  /** RFC 4648 base32, as authenticator apps take it typed. */
  readonly secret: string;
  readonly expiresAt: string;
}

export type ConfirmedTotp =
  | { readonly ok: true; readonly token: Token }
  | { readonly ok: false; readonly why: 'not_found' | 'code_wrong' };

interface Pending {
  readonly user: string;
  readonly label: string;
  readonly issuer: string;
  readonly secret: Uint8Array;
  readonly expiresAt: number;
}

/** The parameters every authenticator app takes (RFC 6238 defaults): SHA1, 6 digits, 30 s. */
const DIGITS = 6;
const PERIOD = 30;

export class PendingTotps {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly ttlMs = PENDING_TOTP_MS) {}

  get size(): number {
    return this.pending.size;
  }

  /** A fresh 160-bit secret for `user`, kept `ttlMs`; nothing is stored yet (SECURITY A6.6, A12.6). */
  start(user: string, label: string, issuer: string, now: number): StartedTotp {
    this.sweep(now);
    const mine = [...this.pending].filter(([, p]) => p.user === user);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - PER_USER + 1))) this.pending.delete(id);
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
    const pendingId = randomBytes(16).toString('base64url');
    const secret = generateSecret();
    const expiresAt = now + this.ttlMs;
    this.pending.set(pendingId, { user, label, issuer, secret, expiresAt });
    const uri = buildOtpauthUri({
      type: 'totp',
      issuer,
      account: user,
      secret,
      algorithm: 'SHA1',
      digits: DIGITS,
      period: PERIOD,
    });
    return { pendingId, uri, secret: encodeBase32(secret), expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * The app's first code: when it verifies, the token is stored and that code's step recorded as used, so the
   * same code cannot sign in anywhere afterwards (RFC 6238 §5.2, SECURITY A6.4). Another user's pending id is
   * unknown to this user. @throws TokenInputError when the store refuses the token (a second spelling, issue 12)
   */
  async confirm(
    stores: Omit<TokenStores, 'users'>,
    user: string,
    pendingId: string,
    code: string,
    now: number,
    window: number,
  ): Promise<ConfirmedTotp> {
    this.sweep(now);
    const pending = this.pending.get(pendingId);
    if (pending === undefined || pending.user !== user) return { ok: false, why: 'not_found' };
    const verified = verifyTotp({
      secret: pending.secret,
      code,
      nowSeconds: Math.floor(now / 1000),
      period: PERIOD,
      digits: DIGITS,
      algorithm: 'SHA1',
      window,
      state: initialTotpState,
    });
    if (!verified.ok) return { ok: false, why: 'code_wrong' };
    this.pending.delete(pendingId);
    const added = await addVouchedOtpToken(stores, {
      user,
      type: 'totp',
      label: pending.label,
      issuer: pending.issuer,
      digits: DIGITS,
      period: PERIOD,
      secret: pending.secret,
    });
    const serial = added.token.serial;
    const used = { expectedLastUsed: -1, newLastUsed: verified.step, drift: verified.newState.drift };
    // A token stored an instant ago has lastUsed −1: nothing else can have moved it. Should the write still fail,
    // the token goes rather than stay with a code that could be used a second time.
    if (!(await stores.tokens.recordSuccess(serial, used))) {
      await stores.tokens.remove(serial);
      throw new Error(`token ${serial}: its first code could not be recorded as used`);
    }
    return { ok: true, token: (await stores.tokens.getBySerial(serial)) ?? added.token };
  }

  private sweep(now: number): void {
    for (const [id, pending] of this.pending) if (pending.expiresAt <= now) this.pending.delete(id);
  }
}
