// Owns what users may do to their own second factors in the portal (docs/self-service.md): list, rename, remove
// (never the last way to sign in, unless allowed) and replace backup codes; the rules of token-admin.ts apply.
import type { OwnWayStore } from '../domain/own-ways.js';
import type { Token } from '../domain/token.js';
import { addVouchedOtpToken, renameToken, type TokenStores, tokenRows } from './token-admin.js';

/** One of the user's devices or tokens as the portal lists it: never a secret, key or subscription. */
export interface OwnDevice {
  /** `ASNP…` for a push device, `ASNT…` (or an imported serial) for a token. */
  readonly id: string;
  readonly type: 'push' | 'totp' | 'hotp' | 'backup';
  readonly label: string;
  readonly createdAt: string;
  /**
   * When it last proved a sign-in, as far as the server knows: a push device's last contact, the time step of a
   * TOTP token's last accepted code; null when never or unknown (HOTP counters and backup codes carry no time).
   */
  readonly lastUsedAt: string | null;
  /** Backup codes not used yet (backup tokens only). */
  readonly unusedCodes?: number;
}

export type OwnStores = Omit<TokenStores, 'users'> & { readonly ownWays: OwnWayStore };

/** Backup codes made at once (the contract's "10 codes"). */
export const BACKUP_CODE_COUNT = 10;

function totpLastUsed(token: Pick<Token, 'type' | 'lastUsed' | 'period'>): string | null {
  if (token.type !== 'totp' || token.lastUsed < 0) return null;
  return new Date(token.lastUsed * token.period * 1000).toISOString();
}

/** The user's push devices and tokens, oldest first within each kind. */
export async function ownDevices(stores: OwnStores, user: string): Promise<OwnDevice[]> {
  const tokens = new Map((await stores.tokens.listForUser(user)).map((t) => [t.serial, t]));
  return (await tokenRows(stores, user)).map((row): OwnDevice => {
    const base = { id: row.serial, type: row.type, label: row.label, createdAt: row.createdAt };
    if (row.type === 'push') return { ...base, lastUsedAt: row.lastSeenAt };
    const token = tokens.get(row.serial);
    const lastUsedAt = token === undefined ? null : totpLastUsed(token);
    return row.type === 'backup'
      ? { ...base, lastUsedAt, unusedCodes: row.unusedCodes ?? 0 }
      : { ...base, lastUsedAt };
  });
}

/** The user's own device or token `id`, or undefined (another user's is as unknown as a made-up one). */
export async function ownDevice(stores: OwnStores, user: string, id: string): Promise<OwnDevice | undefined> {
  return (await ownDevices(stores, user)).find((d) => d.id === id);
}

/** Renames one of the user's own; undefined when not theirs. @throws TokenInputError for a refused label */
export async function renameOwn(
  stores: OwnStores,
  user: string,
  id: string,
  label: string,
): Promise<OwnDevice | undefined> {
  if ((await ownDevice(stores, user, id)) === undefined) return undefined;
  if (!(await renameToken(stores, id, label))) return undefined;
  return ownDevice(stores, user, id);
}

export type RemoveOwnResult =
  | { readonly ok: true; readonly removed: OwnDevice }
  | { readonly ok: false; readonly why: 'not_found' | 'last_device' };

/**
 * Removes one of the user's own. SECURITY A12.7: the last push device or OTP token (backup codes do not count)
 * stays unless `allowLast`, so nobody signs themselves out of every way in by mistake. The rule is kept by the
 * store (`OwnWayStore.removeOwn`: count and delete in one step per user), not by counting here: two removals at
 * once (two tabs, two nodes) would each count two ways between this read and the delete, and remove both.
 */
export async function removeOwn(
  stores: OwnStores,
  user: string,
  id: string,
  allowLast: boolean,
): Promise<RemoveOwnResult> {
  // Read first only to describe what goes (the answer's `removed`); the store decides whether it goes.
  const target = await ownDevice(stores, user, id);
  if (target === undefined) return { ok: false, why: 'not_found' };
  const result = await stores.ownWays.removeOwn(user, id, allowLast);
  return result === 'removed' ? { ok: true, removed: target } : { ok: false, why: result };
}

/**
 * New backup codes for the user: a new backup token with BACKUP_CODE_COUNT codes, then every older backup token of
 * the user removed, so the codes shown before stop working (shown once; stored as salted hashes, SECURITY A9.2).
 * @throws TokenInputError when the store refuses the token
 */
export async function replaceBackupCodes(
  stores: OwnStores,
  user: string,
  issuer: string,
): Promise<{ serial: string; codes: readonly string[]; revoked: readonly string[] }> {
  const older = (await stores.tokens.listForUser(user)).filter((t) => t.type === 'backup');
  const added = await addVouchedOtpToken(stores, {
    user,
    type: 'backup',
    count: BACKUP_CODE_COUNT,
    issuer,
    label: 'Backup codes',
  });
  const revoked: string[] = [];
  for (const t of older) if (await stores.tokens.remove(t.serial)) revoked.push(t.serial);
  return { serial: added.token.serial, codes: added.backupCodes ?? [], revoked };
}
