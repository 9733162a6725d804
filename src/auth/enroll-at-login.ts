// Owns enrollment at login past its challenge (issue 18): the link's page and its two choices (the web
// authenticator, or a TOTP token shown as a QR code), and the first code of that TOTP token, which alone stores it.
import { type Awaitable, whenReady } from '../domain/awaitable.js';
import { StoreError, StoreErrorCode } from '../domain/ports.js';
import type { PushDeviceStore } from '../domain/push-device.js';
import { Reason } from '../domain/reason.js';
import { generateSerial, type Token, type TokenStore } from '../domain/token.js';
import { encodeBase32 } from '../otp/base32.js';
import { generateSecret } from '../otp/generate-secret.js';
import { buildOtpauthUri } from '../otp/otpauth-uri.js';
import { initialTotpState, verifyTotp } from '../otp/verify-totp.js';
import type { CodeResult } from './check-code.js';
import { createActivation } from './enroll-device.js';
import {
  ENROLLMENT_CODE_PATTERN,
  type Enrollment,
  type EnrollmentCodes,
  type HeldPendingTotp,
  type PendingTotp,
} from './enrollment-codes.js';

export type { Enrollment };

export interface EnrollAtLoginSettings {
  /** Read at every use: a public URL derived from the host learns its port only once the listener is bound. */
  readonly publicUrl: string;
  /** The issuer an authenticator app shows beside the account (`push.serverName`). */
  readonly issuer: string;
  /** `secondFactor.totpWindow`: the same steps either side as any TOTP code (A6.1). */
  readonly totpWindow: number;
}

/** What happened, for the log (the wiring writes the lines; `audit.*` where something was stored). */
export interface EnrollAtLoginEvents {
  sent(enrollment: Enrollment, clientName: string, source: string): void;
  limited(userName: string, transactionId: string, clientName: string, source: string, reason: Reason): void;
  /** An unknown, spent, expired or malformed link was opened or chosen on. */
  refused(sourceIp: string): void;
  opened(enrollment: Enrollment, sourceIp: string): void;
  chosen(enrollment: Enrollment, choice: 'phone' | 'totp', sourceIp: string): void;
  totpEnrolled(
    enrollment: { userName: string; transactionId: string },
    serial: string,
    clientName: string,
  ): void;
}

export interface EnrollAtLoginDeps {
  readonly codes: EnrollmentCodes;
  readonly devices: Pick<PushDeviceStore, 'addActivation'>;
  readonly tokens: Pick<TokenStore, 'add'>;
  readonly settings: EnrollAtLoginSettings;
  readonly events: EnrollAtLoginEvents;
}

/** What the page shows for the TOTP choice: the key once, as a QR code and as text. */
export interface TotpOffer {
  readonly userName: string;
  readonly issuer: string;
  /** `otpauth://totp/…` (Key Uri Format), for the QR code. */
  readonly uri: string;
  /** The secret in base32, for typing into an app that cannot scan. */
  readonly secret: string;
  readonly expiresAt: number;
}

export interface EnrollAtLogin {
  /** A new link for the user of a login (replacing one still open), or the reason the limits say no. */
  issue(
    userName: string,
    transactionId: string,
    source: string,
    clientName: string,
    now: number,
  ): Awaitable<{ readonly url: string } | { readonly refused: Reason }>;
  /** The link's page: whose link it is, or undefined (a plain 404) when unknown, spent or expired. Uses nothing. */
  open(code: string, sourceIp: string, now: number): Awaitable<Enrollment | undefined>;
  /** "Use this phone": spends the link and makes a one-time activation (A8.9) for its user. */
  choosePhone(
    code: string,
    sourceIp: string,
    now: number,
  ): Promise<{ readonly activationCode: string } | undefined>;
  /** "Use an authenticator app": a fresh TOTP key kept pending with the link (replacing an earlier one). */
  chooseTotp(code: string, sourceIp: string, now: number): Awaitable<TotpOffer | undefined>;
  /** The login's link has a pending TOTP token (an answer without a code is then told to type it). */
  pendingTotp(userName: string, transactionId: string, now: number): Awaitable<boolean>;
  /**
   * Checks a code typed in answer to the login's challenge against its pending TOTP token; on a match spends the
   * link in one conditional write, then stores the token with the code's step as used. Undefined when no TOTP
   * token is pending; STATE_USED when another answer (on any node) spent the link first. A promise when the store
   * answers later. Every method throws (or rejects with) StoreError when the links cannot be read or written.
   * @throws StoreError (or rejects with it) when the link or the token cannot be read or written
   */
  firstTotpCode(
    userName: string,
    transactionId: string,
    code: string,
    now: number,
    clientName: string,
  ): Awaitable<CodeResult | undefined>;
}

/** Key Uri Format: an issuer or account with `:` cannot be put in a label. */
const labelSafe = (text: string) => text.replaceAll(':', ' ').trim() || 'Assent';

export function createEnrollAtLogin(deps: EnrollAtLoginDeps): EnrollAtLogin {
  const { codes, settings, events } = deps;
  const wrong: CodeResult = { ok: false, reason: Reason.CodeWrong };
  const lost: CodeResult = { ok: false, reason: Reason.StateUsed };

  /** A link's code as typed, in any case; undefined when it cannot be one (no store read then). */
  const codeOf = (typed: string): string | undefined => {
    const code = typed.toUpperCase();
    return ENROLLMENT_CODE_PATTERN.test(code) ? code : undefined;
  };

  /** An unknown, spent or expired link, or one that cannot be a code: told as refused. */
  const refused = (sourceIp: string): undefined => {
    events.refused(sourceIp);
    return undefined;
  };

  /** A serial another token holds already: drawn again, a few times (the store says so by its error). */
  const clash = (error: unknown, attempt: number) =>
    error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists && attempt < 5;

  /** Stores the proven TOTP token under a fresh serial (drawn again on the rare clash). */
  const store = (userName: string, pending: PendingTotp, step: number, attempt = 0): Awaitable<Token> => {
    let added: Awaitable<Token>;
    try {
      added = deps.tokens.add({
        serial: generateSerial(),
        userName,
        type: 'totp',
        secret: pending.secret,
        algorithm: pending.algorithm,
        digits: pending.digits,
        period: pending.period,
        // RFC 6238 §5.2, A6.4: stored with the first code's step already used, in the same write, so that code
        // is never accepted again (in this login or a later one), also after a crash right after the write.
        lastUsed: step,
        label: 'enrolled at login',
      });
    } catch (error) {
      if (clash(error, attempt)) return store(userName, pending, step, attempt + 1);
      throw error;
    }
    if (!(added instanceof Promise)) return added;
    return added.catch((error: unknown) => {
      if (clash(error, attempt)) return store(userName, pending, step, attempt + 1);
      throw error;
    });
  };

  return {
    issue(userName, transactionId, source, clientName, now) {
      return whenReady(codes.issue(userName, transactionId, source, now), (issued) => {
        if ('refused' in issued) {
          events.limited(userName, transactionId, clientName, source, issued.refused);
          return issued;
        }
        events.sent(issued.enrollment, clientName, source);
        return { url: `${settings.publicUrl.replace(/\/+$/, '')}/e/${issued.code}` };
      });
    },

    open(typed, sourceIp, now) {
      const code = codeOf(typed);
      if (code === undefined) return refused(sourceIp);
      return whenReady(codes.peek(code, now), (enrollment) => {
        if (enrollment === undefined) return refused(sourceIp);
        events.opened(enrollment, sourceIp);
        return enrollment;
      });
    },

    async choosePhone(typed, sourceIp, now) {
      const code = codeOf(typed);
      if (code === undefined) return refused(sourceIp);
      // The link is spent here, in one conditional write (of two choices on two nodes one wins): the activation
      // takes over, itself single use for 10 minutes (A8.9).
      const enrollment = await codes.take(code, now);
      if (enrollment === undefined) return refused(sourceIp);
      const activation = await createActivation(
        deps.devices,
        settings.publicUrl,
        enrollment.userName,
        'enrolled at login',
        new Date(now),
      );
      events.chosen(enrollment, 'phone', sourceIp);
      return { activationCode: activation.code };
    },

    chooseTotp(typed, sourceIp, now) {
      const code = codeOf(typed);
      if (code === undefined) return refused(sourceIp);
      // SECURITY A6.6: 160 bits from the CSPRNG; held with the link, sealed (A9.1), only until its first code
      // proves it (A11.4).
      const pending: PendingTotp = { secret: generateSecret(), algorithm: 'SHA1', digits: 6, period: 30 };
      return whenReady(codes.holdTotp(code, pending, now), (enrollment) =>
        enrollment === undefined ? refused(sourceIp) : offerOf(enrollment, pending, sourceIp),
      );
    },

    pendingTotp: (userName, transactionId, now) =>
      whenReady(codes.pendingTotp(userName, transactionId, now), (held) => held !== undefined),

    firstTotpCode(userName, transactionId, code, now, clientName) {
      return whenReady(codes.pendingTotp(userName, transactionId, now), (held) =>
        held === undefined ? undefined : proveTotp(userName, transactionId, code, now, clientName, held),
      );
    },
  };

  /** What the page shows of the key just held with the link. */
  function offerOf(enrollment: Enrollment, pending: PendingTotp, sourceIp: string): TotpOffer {
    const issuer = labelSafe(settings.issuer);
    const uri = buildOtpauthUri({
      type: 'totp',
      issuer,
      account: labelSafe(enrollment.userName),
      secret: pending.secret,
      algorithm: pending.algorithm,
      digits: pending.digits,
      period: pending.period,
    });
    events.chosen(enrollment, 'totp', sourceIp);
    return {
      userName: enrollment.userName,
      issuer,
      uri,
      secret: encodeBase32(pending.secret),
      expiresAt: enrollment.expiresAt,
    };
  }

  /**
   * A4.3 across nodes: the code is verified first (a wrong one leaves the link and its key as they were), then the
   * link is spent in one conditional write, and only its one winner stores the token; a second answer with the same
   * right code, on this node or another, hears STATE_USED.
   */
  function proveTotp(
    userName: string,
    transactionId: string,
    code: string,
    now: number,
    clientName: string,
    held: HeldPendingTotp,
  ): Awaitable<CodeResult> {
    const pending = held.totp;
    // The same rules as any TOTP code (A6.1): the configured window around the server's clock.
    const verified = verifyTotp({
      secret: pending.secret,
      code,
      nowSeconds: Math.floor(now / 1000),
      period: pending.period,
      digits: pending.digits,
      algorithm: pending.algorithm,
      window: settings.totpWindow,
      state: initialTotpState,
    });
    if (!verified.ok) return wrong;
    const stored = (token: Token): CodeResult => {
      events.totpEnrolled({ userName, transactionId }, token.serial, clientName);
      return { ok: true, serial: token.serial, type: 'totp' };
    };
    return whenReady(codes.spend(held.linkKey, now), (won) =>
      won ? whenReady(store(userName, pending, verified.step), stored) : lost,
    );
  }
}
