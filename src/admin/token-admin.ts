// Owns managing second factors (OTP tokens, backup codes, push devices), one rule set for `assent token …` and the API.
import { createActivation } from '../auth/enroll-device.js';
import { StoreError, StoreErrorCode, type UserStore } from '../domain/ports.js';
import { DEVICE_ID_PATTERN, type PushDeviceStore } from '../domain/push-device.js';
import {
  BACKUP_CODE_DIGITS,
  generateBackupCodes,
  generateSerial,
  hashBackupCode,
  type NewToken,
  type Token,
  type TokenStore,
} from '../domain/token.js';
import { HolderSpellings } from '../domain/token-admission.js';
import { generateSecret } from '../otp/generate-secret.js';
import type { OtpAlgorithm } from '../otp/otp-algorithm.js';
import { buildOtpauthUri } from '../otp/otpauth-uri.js';

/** The most backup codes one token holds: enough for a year of lost phones, few enough to print on one page. */
export const MAX_BACKUP_CODES = 50;

/** A request that breaks a rule; `field` names what to fix; `notFound`: no such user (404 rather than 400). */
export class TokenInputError extends Error {
  override readonly name = 'TokenInputError';
  constructor(
    readonly field: string,
    message: string,
    readonly kind: 'invalid' | 'not_found' | 'conflict' = 'invalid',
  ) {
    super(message);
  }
}

/** One row of `token list` / `GET …/tokens`: an OTP token or a push device, never a secret or a key. */
export type TokenRow =
  | {
      readonly serial: string;
      readonly user: string;
      readonly type: 'totp' | 'hotp' | 'backup';
      readonly algorithm: string;
      readonly digits: number;
      readonly period: number;
      readonly failures: number;
      readonly lockedUntil: string | null;
      readonly label: string;
      readonly createdAt: string;
      readonly unusedCodes?: number;
    }
  | {
      readonly serial: string;
      readonly user: string;
      readonly type: 'push';
      readonly delivery: string;
      readonly label: string;
      readonly createdAt: string;
      readonly lastSeenAt: string | null;
    };

export interface TokenStores {
  readonly users: Pick<UserStore, 'getByName'>;
  readonly tokens: TokenStore;
  readonly pushDevices: PushDeviceStore;
}

export async function tokenRows(
  stores: Omit<TokenStores, 'users'>,
  user: string | undefined,
): Promise<TokenRow[]> {
  const tokens = await (user === undefined ? stores.tokens.list() : stores.tokens.listForUser(user));
  const devices = await (user === undefined
    ? stores.pushDevices.list()
    : stores.pushDevices.listForUser(user));
  const unused = await Promise.all(
    tokens.map((t) => (t.type === 'backup' ? stores.tokens.unusedBackupCodes(t.serial) : 0)),
  );
  return [
    ...tokens.map((t, i) => ({
      serial: t.serial,
      user: t.userName,
      type: t.type,
      algorithm: t.algorithm,
      digits: t.digits,
      period: t.period,
      failures: t.failures,
      lockedUntil: t.lockedUntil,
      label: t.label,
      createdAt: t.createdAt,
      ...(t.type === 'backup' ? { unusedCodes: unused[i]! } : {}),
    })),
    ...devices.map((d) => ({
      serial: d.id,
      user: d.userName,
      type: 'push' as const,
      delivery: d.delivery.kind,
      label: d.label,
      createdAt: d.createdAt,
      lastSeenAt: d.lastSeenAt,
    })),
  ];
}

/** The row of one token or push device, or undefined when no such serial. */
export async function tokenRow(
  stores: Omit<TokenStores, 'users'>,
  serial: string,
): Promise<TokenRow | undefined> {
  const holder = DEVICE_ID_PATTERN.test(serial)
    ? (await stores.pushDevices.get(serial))?.userName
    : (await stores.tokens.getBySerial(serial))?.userName;
  return holder === undefined
    ? undefined
    : (await tokenRows(stores, holder)).find((row) => row.serial === serial);
}

/** `ASNP…` names a push device, anything else an OTP token. A device is revoked at once (SECURITY C11). */
export async function removeToken(stores: Omit<TokenStores, 'users'>, serial: string): Promise<boolean> {
  return DEVICE_ID_PATTERN.test(serial) ? stores.pushDevices.remove(serial) : stores.tokens.remove(serial);
}

/** The longest label of a token or device: what fits on one line of a listing and a phone's screen. */
export const MAX_LABEL_LENGTH = 64;

/**
 * A label as stored: trimmed, 1–64 characters, none of them a control character or a bidirectional override
 * (a label is shown in listings, logs and the portal, where such characters could disguise it).
 * @throws TokenInputError
 */
export function checkLabel(label: string): string {
  const trimmed = label.trim();
  const length = [...trimmed].length;
  if (length === 0 || length > MAX_LABEL_LENGTH) {
    throw new TokenInputError('label', `expected 1–${MAX_LABEL_LENGTH} characters, got ${length}`);
  }
  if (/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(trimmed)) {
    throw new TokenInputError(
      'label',
      'expected printable characters (no control characters or line breaks)',
    );
  }
  return trimmed;
}

/**
 * Renames a token or push device (`ASNP…`); false when no such serial. Only the label changes: secrets, replay
 * state and delivery stay. @throws TokenInputError for a label `checkLabel` refuses
 */
export async function renameToken(
  stores: Omit<TokenStores, 'users'>,
  serial: string,
  label: string,
): Promise<boolean> {
  const checked = checkLabel(label);
  return DEVICE_ID_PATTERN.test(serial)
    ? stores.pushDevices.setLabel(serial, checked)
    : stores.tokens.setLabel(serial, checked);
}

export interface NewOtpInput {
  readonly user: string;
  readonly type: 'totp' | 'hotp' | 'backup';
  readonly digits?: number | undefined;
  readonly period?: number | undefined;
  readonly algorithm?: OtpAlgorithm | undefined;
  readonly issuer?: string | undefined;
  readonly label?: string | undefined;
  readonly count?: number | undefined;
  /**
   * The seed, when the user's app already holds it (the portal shows a secret first and stores it once the app's
   * first code verifies); absent: a fresh one from the CSPRNG.
   */
  readonly secret?: Uint8Array | undefined;
}

export interface OtpAdded {
  readonly token: Token;
  /** The otpauth:// URI holding the secret (TOTP, HOTP): shown once. */
  readonly uri: string | undefined;
  /** Backup codes: shown once; only salted hashes are kept. */
  readonly backupCodes: readonly string[] | undefined;
}

function oneOf(field: string, value: number, allowed: readonly number[]): number {
  if (!allowed.includes(value)) throw new TokenInputError(field, `expected one of ${allowed.join(', ')}`);
  return value;
}

/** Issue 12: tokens and devices of one user stay under one spelling of the name. */
async function refuseSecondSpelling(stores: Omit<TokenStores, 'users'>, user: string): Promise<void> {
  const spellings = new HolderSpellings([
    ...(await stores.tokens.list()).map((t) => t.userName),
    ...(await stores.pushDevices.list()).map((d) => d.userName),
  ]);
  for (const other of spellings.of(user)) {
    if (other !== user) {
      throw new TokenInputError(
        'user',
        `second factors are held under ${JSON.stringify(other)}, which differs from ${JSON.stringify(user)} ` +
          'only in case, spaces or width: enrol under that name',
        'conflict',
      );
    }
  }
}

/**
 * A new TOTP, HOTP or backup-code token with a 160-bit secret from the CSPRNG (SECURITY A6.6, RFC 4226 §4 R6),
 * for a user with a local record. @throws TokenInputError
 */
export async function addOtpToken(stores: TokenStores, input: NewOtpInput): Promise<OtpAdded> {
  checkIssuer(input);
  if ((await stores.users.getByName(input.user)) === undefined) {
    throw new TokenInputError('user', `no user named "${input.user}"`, 'not_found');
  }
  return addVouchedOtpToken(stores, input);
}

function checkIssuer(input: NewOtpInput): string {
  const issuer = input.issuer ?? 'Assent';
  if (issuer.includes(':') || issuer.length === 0 || input.user.includes(':')) {
    throw new TokenInputError(
      'issuer',
      'issuer and user name of an OTP token may not be empty or contain ":"',
    );
  }
  return issuer;
}

/**
 * As `addOtpToken`, for a user a first-factor source has just vouched for (the portal's signed-in user, who may
 * exist only in a directory): no local record is needed. @throws TokenInputError
 */
export async function addVouchedOtpToken(
  stores: Omit<TokenStores, 'users'>,
  input: NewOtpInput,
): Promise<OtpAdded> {
  const issuer = checkIssuer(input);
  const backup = input.type === 'backup';
  const digits = backup
    ? BACKUP_CODE_DIGITS
    : oneOf('digits', input.digits ?? 6, input.type === 'totp' ? [6, 8] : [6, 7, 8]);
  const period = oneOf('period', input.period ?? 30, [30, 60]);
  const count = backup ? (input.count ?? 10) : 0;
  if (backup && !(Number.isInteger(count) && count >= 1 && count <= MAX_BACKUP_CODES)) {
    throw new TokenInputError('count', `expected an integer 1–${MAX_BACKUP_CODES}`);
  }
  const algorithm = input.algorithm ?? 'SHA1';
  const secret = input.secret === undefined ? generateSecret() : new Uint8Array(input.secret);
  const codes = generateBackupCodes(count);
  const make = (serial: string): NewToken => ({
    serial,
    userName: input.user,
    type: input.type,
    secret,
    algorithm,
    digits,
    period,
    label: input.label ?? '',
    backupCodeHashes: codes.map((code) => hashBackupCode(secret, code)),
  });
  let token: Token | undefined;
  for (let attempt = 0; token === undefined; attempt++) {
    try {
      token = await stores.tokens.add(make(generateSerial()));
    } catch (error) {
      if (error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists && attempt < 5) continue;
      if (error instanceof StoreError) throw new TokenInputError('user', error.message, 'conflict');
      throw error;
    }
  }
  if (backup) return { token, uri: undefined, backupCodes: codes };
  const key = { issuer, account: input.user, secret, algorithm };
  const uri =
    input.type === 'totp'
      ? buildOtpauthUri({ ...key, type: 'totp', digits: digits as 6 | 8, period })
      : buildOtpauthUri({ ...key, type: 'hotp', digits: digits as 6 | 7 | 8, counter: 0 });
  return { token, uri, backupCodes: undefined };
}

/** A single-use activation link for a new push device of `user` (SECURITY A8.9). @throws TokenInputError */
export async function addPushActivation(
  stores: Omit<TokenStores, 'users'>,
  publicUrl: string,
  user: string,
  label: string,
  now: Date,
): Promise<{ code: string; url: string; expiresAt: string }> {
  await refuseSecondSpelling(stores, user);
  return createActivation(stores.pushDevices, publicUrl, user, label, now);
}
