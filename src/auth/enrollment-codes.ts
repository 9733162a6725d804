// Owns the short codes of enrollment at login (issue 18): `https://…/e/K7Q2M9XW` in a challenge's Reply-Message,
// drawn here and kept, by the SHA-256 of the code, in the EnrollmentLinkStore every node shares.
import { randomInt } from 'node:crypto';
import { type Awaitable, whenReady } from '../domain/awaitable.js';
import type { EnrollmentLinkStore, StoredEnrollmentLink } from '../domain/enrollment-link-store.js';
import { StoreError, StoreErrorCode } from '../domain/ports.js';
import { Reason } from '../domain/reason.js';
import { secretRowKey } from '../domain/secret-row-key.js';

/** No 0/O, 1/I: a code is read off a VPN client's dialog and typed on a phone. 32 symbols: 5 bits each. */
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;
export const ENROLLMENT_CODE_PATTERN = /^[2-9A-HJ-NP-Z]{8}$/;

/** Bounds: codes a user may be given, and codes logins from one address may ask for, per hour. */
const BOUNDS = { perUser: 5, perSource: 30, windowMs: 3600_000 } as const;
/** Each node sweeps spent and expired rows at most this often, when it issues a link. */
const SWEEP_EVERY_MS = 60_000;
/**
 * Draws per issue. A code already stored (open or spent in the last hour, 2^-40 against each) is drawn again;
 * three taken in a row mean a broken random source or an absurdly full table, not bad luck.
 */
const DRAWS = 3;

/** 8 symbols from the CSPRNG: 40 bits. */
function drawCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** The login an open code belongs to. */
export interface Enrollment {
  readonly userName: string;
  readonly transactionId: string;
  /** Epoch ms after which the code is refused. */
  readonly expiresAt: number;
}

/**
 * A TOTP token chosen on the link's page that has not yet proven itself: it waits, sealed, with its link, and is
 * stored only when its first code verifies at the NAS (SECURITY A11.4).
 */
export interface PendingTotp {
  readonly secret: Uint8Array;
  readonly algorithm: 'SHA1';
  readonly digits: 6;
  readonly period: 30;
}

/** A pending TOTP token and the key of its link, by which its first code spends the link. */
export interface HeldPendingTotp {
  readonly linkKey: string;
  readonly totp: PendingTotp;
}

/** What `issue` answers: the code and its login, or the reason the bounds refused it. */
export type IssuedCode =
  | { readonly code: string; readonly enrollment: Enrollment }
  | { readonly refused: Reason };

const enrollmentOf = (link: StoredEnrollmentLink | undefined): Enrollment | undefined =>
  link === undefined
    ? undefined
    : { userName: link.user, transactionId: link.transactionId, expiresAt: link.expiresAt };

/**
 * One open code per user, valid `lifetimeMs`, bound to the user and the login that asked for it (40 bits from the
 * CSPRNG, drawn again when already stored; the public listener's per-address rate limit bounds guessing). It may be
 * looked at (`peek`) any number of times; it is spent by `take` (the web authenticator was chosen, or a TOTP token
 * it offered is being stored).
 * In the database (docs/storage.md "Logins across nodes"): any node serves the page and the first code, a restart
 * forgets nothing. Issuing is bounded per user and per source address, counted over every node's links.
 * Each method answers a value on SQLite and a promise on PostgreSQL, and throws (or rejects with) StoreError.
 */
export class EnrollmentCodes {
  #sweptAt = Number.NEGATIVE_INFINITY;

  /** @param draw the code source; tests force a collision with it. */
  constructor(
    private readonly store: EnrollmentLinkStore,
    private readonly lifetimeMs: number,
    private readonly draw: () => string = drawCode,
  ) {}

  /**
   * A new code for `userName` (replacing one still open), or the reason the limits say no.
   * @throws StoreError `ALREADY_EXISTS` when every draw was a code already stored; any other StoreError
   */
  issue(userName: string, transactionId: string, source: string, now: number): Awaitable<IssuedCode> {
    this.sweep(now);
    return this.#issue(userName, transactionId, source, now, 1);
  }

  #issue(
    userName: string,
    transactionId: string,
    source: string,
    now: number,
    attempt: number,
  ): Awaitable<IssuedCode> {
    const code = this.draw();
    const link: StoredEnrollmentLink = {
      key: secretRowKey(code),
      user: userName,
      transactionId,
      source,
      issuedAt: now,
      expiresAt: now + this.lifetimeMs,
    };
    return whenReady(this.store.issue(link, BOUNDS), (issued): Awaitable<IssuedCode> => {
      if (issued === 'issued') return { code, enrollment: enrollmentOf(link)! };
      if (issued === 'limited') return { refused: Reason.EnrollmentLimited };
      // 'taken' stored and counted nothing: the next draw is this login's one issue against the bounds.
      if (attempt < DRAWS) return this.#issue(userName, transactionId, source, now, attempt + 1);
      throw new StoreError(
        StoreErrorCode.AlreadyExists,
        `issuing an enrollment link failed: ${DRAWS} codes drawn, each one already stored`,
      );
    });
  }

  /** The login of an open code, without using it up; undefined for an unknown, spent or expired one. */
  peek(code: string, now: number): Awaitable<Enrollment | undefined> {
    return whenReady(this.store.peek(secretRowKey(code), now), enrollmentOf);
  }

  /**
   * Uses a code up (dropping any pending TOTP token) in one conditional write: its login, or undefined for an
   * unknown, spent or expired one, and for every taker but the first across nodes.
   */
  take(code: string, now: number): Awaitable<Enrollment | undefined> {
    return whenReady(this.store.take(secretRowKey(code), now), enrollmentOf);
  }

  /** Keeps `totp` with an open code, replacing one chosen before; its login, or undefined (nothing kept). */
  holdTotp(code: string, totp: PendingTotp, now: number): Awaitable<Enrollment | undefined> {
    return whenReady(this.store.holdTotp(secretRowKey(code), totp.secret, now), enrollmentOf);
  }

  /** The pending TOTP token of `userName`'s open code, only for the login the code was given to. */
  pendingTotp(userName: string, transactionId: string, now: number): Awaitable<HeldPendingTotp | undefined> {
    return whenReady(this.store.pendingTotp(userName, transactionId, now), (held) =>
      held === undefined
        ? undefined
        : { linkKey: held.key, totp: { secret: held.secret, algorithm: 'SHA1', digits: 6, period: 30 } },
    );
  }

  /**
   * Spends the link a pending TOTP token waited with, before the token is stored: of two nodes given the same
   * right first code, only the one that hears true stores it.
   */
  spend(linkKey: string, now: number): Awaitable<boolean> {
    return whenReady(this.store.take(linkKey, now), (link) => link !== undefined);
  }

  /** Spent and expired rows go once the hourly bounds no longer count them; a failed sweep is tried again later. */
  private sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    try {
      const swept = this.store.sweep(now, BOUNDS.windowMs);
      if (swept instanceof Promise) swept.catch(() => {});
    } catch {}
  }
}
