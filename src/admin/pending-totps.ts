// Owns a TOTP enrolment waiting for its first code (the portal's "add an authenticator app"): the secret waits in
// the shared pending table until the user's app proves it holds it, then the token is stored with that code used.
import { randomBytes } from 'node:crypto';
import type { PendingTotpStore } from '../domain/pending-totp-store.js';
import { secretRowKey } from '../domain/secret-row-key.js';
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
/** Open enrolments in all: a bounded table whatever users do. */
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

/** The parameters every authenticator app takes (RFC 6238 defaults): SHA1, 6 digits, 30 s. */
const DIGITS = 6;
const PERIOD = 30;

/**
 * The pendings live in a PendingTotpStore (domain/pending-totp-store.ts), in the database on SQLite and
 * PostgreSQL: the QR code shown by one node is confirmed by whichever node the first code reaches, and a restart
 * forgets nothing (docs/storage.md "Logins across nodes").
 */
export class PendingTotps {
  constructor(
    private readonly store: PendingTotpStore,
    private readonly ttlMs = PENDING_TOTP_MS,
  ) {}

  /**
   * A fresh 160-bit secret for `user`, kept `ttlMs` (sealed at rest, A9.1); no token is stored yet (SECURITY
   * A6.6, A12.6). @throws StoreError when the table cannot be written
   */
  async start(user: string, label: string, issuer: string, now: number): Promise<StartedTotp> {
    const pendingId = randomBytes(16).toString('base64url');
    const secret = generateSecret();
    const expiresAt = now + this.ttlMs;
    await this.store.add(
      { key: secretRowKey(pendingId), user, label, issuer, secret, expiresAt },
      { perUser: PER_USER, max: MAX_PENDING },
    );
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
   * unknown to this user. A wrong code leaves the pending as it was; a right one takes it in one conditional
   * delete, so of two nodes sent the same code at once only one stores a token (A12.6).
   * @throws TokenInputError when the store refuses the token (a second spelling, issue 12)
   */
  async confirm(
    stores: Omit<TokenStores, 'users'>,
    user: string,
    pendingId: string,
    code: string,
    now: number,
    window: number,
  ): Promise<ConfirmedTotp> {
    const key = secretRowKey(pendingId);
    const pending = await this.store.find(key, now);
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
    if (!(await this.store.take(key, now))) return { ok: false, why: 'not_found' };
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

  /** Drops the pendings expired at `now` (the portal's minute sweep). @returns how many */
  async sweep(now: number): Promise<number> {
    // Async so a failing SQLite statement rejects (the sweeper's catch) rather than throwing out of a timer.
    return this.store.sweep(now);
  }
}
