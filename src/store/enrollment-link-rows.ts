// Owns the row form of an enrollment-at-login link (`enrollment_links`, migration 19), shared by the SQLite and
// PostgreSQL adapters: the TOTP key chosen on its page sealed at rest (SECURITY A9.1, A11.4).
import type { HeldTotp, StoredEnrollmentLink } from '../domain/enrollment-link-store.js';
import type { Sealer } from './sealer.js';

export interface EnrollmentLinkRow {
  readonly key: string;
  readonly user_name: string;
  readonly transaction_id: string;
  readonly source: string;
  /** PostgreSQL's BIGINT arrives as a string. */
  readonly issued_at: number | string;
  readonly expires_at: number | string;
}

export interface HeldTotpRow {
  readonly key: string;
  readonly totp_sealed: string | null;
}

/** The columns `linkOfRow` reads, in the order `valuesOfLink` gives the first six. */
export const ENROLLMENT_LINK_COLUMNS = 'key, user_name, transaction_id, source, issued_at, expires_at';

/** The aad names the row and column, so a sealed key copied to another row does not open (A9.1). */
export const linkTotpAad = (key: string) => `enrollment_links.totp_sealed:${key}`;

export function valuesOfLink(link: StoredEnrollmentLink): [string, string, string, string, number, number] {
  return [link.key, link.user, link.transactionId, link.source, link.issuedAt, link.expiresAt];
}

export function linkOfRow(row: EnrollmentLinkRow): StoredEnrollmentLink {
  return {
    key: row.key,
    user: row.user_name,
    transactionId: row.transaction_id,
    source: row.source,
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
  };
}

export const sealLinkTotp = (key: string, secret: Uint8Array, sealer: Sealer) =>
  sealer.seal(secret, linkTotpAad(key));

/** Undefined when no key is held. @throws SealError when the key file is not the one that sealed it */
export function heldOfRow(row: HeldTotpRow | undefined, sealer: Sealer): HeldTotp | undefined {
  if (row === undefined || row.totp_sealed === null) return undefined;
  return { key: row.key, secret: sealer.open(row.totp_sealed, linkTotpAad(row.key)) };
}
