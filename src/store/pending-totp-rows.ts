// Owns the row form of a pending authenticator-app secret (`pending_totps`, migration 18), shared by the SQLite and
// PostgreSQL adapters: the secret sealed at rest (SECURITY A9.1, A12.6).
import type { StoredPendingTotp } from '../domain/pending-totp-store.js';
import type { Sealer } from './sealer.js';

export interface PendingTotpRow {
  readonly key: string;
  readonly user_name: string;
  readonly label: string;
  readonly issuer: string;
  readonly secret_sealed: string;
  /** PostgreSQL's BIGINT arrives as a string. */
  readonly expires_at: number | string;
}

/** The column names in the order `valuesOfPending` gives them. */
export const PENDING_TOTP_COLUMNS = 'key, user_name, label, issuer, secret_sealed, expires_at';

/** The aad names the row and column, so a sealed secret copied to another row does not open (A9.1). */
export const pendingSecretAad = (key: string) => `pending_totps.secret_sealed:${key}`;

export function valuesOfPending(
  pending: StoredPendingTotp,
  sealer: Sealer,
): [string, string, string, string, string, number] {
  const sealed = sealer.seal(pending.secret, pendingSecretAad(pending.key));
  return [pending.key, pending.user, pending.label, pending.issuer, sealed, pending.expiresAt];
}

/** @throws SealError when the key file is not the one that sealed it */
export function pendingOfRow(row: PendingTotpRow, sealer: Sealer): StoredPendingTotp {
  return {
    key: row.key,
    user: row.user_name,
    label: row.label,
    issuer: row.issuer,
    secret: sealer.open(row.secret_sealed, pendingSecretAad(row.key)),
    expiresAt: Number(row.expires_at),
  };
}
